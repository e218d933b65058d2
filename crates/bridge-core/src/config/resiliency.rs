//! Whether the CCP starts in two regions: a decision of its own, from three facts.

/// Whether the CCP starts in two regions (Amazon Connect global resiliency, Streams 2.27+).
///
/// Why a decision of its own: Streams 2.28.2 takes the two-region path only when `enableGlobalResiliency` comes
/// with both `secondaryCCPUrl` and `loginUrl`; with either missing it logs an error (to its own log, which nobody
/// reads) and starts in one region. The page says so instead, naming the missing key, and passes
/// `enableGlobalResiliency` only when Streams will honour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalResiliency {
    /// Not asked for (`enableGlobalResiliency` off): the CCP starts in one region, nothing to say.
    Off,
    /// Asked for and complete: `initCCP` gets `enableGlobalResiliency: true`.
    On,
    /// Asked for, but a key Streams needs is missing or was refused: the CCP starts in one region.
    Incomplete {
        /// The missing key (or both, joined by "or"), as the configuration spells it.
        missing: &'static str,
    },
}

impl GlobalResiliency {
    /// Decides from the facts: whether it was asked for, and whether an acceptable `secondaryCCPUrl` and
    /// `loginUrl` are at hand.
    pub fn decide(enabled: bool, secondary_ccp_url: bool, login_url: bool) -> GlobalResiliency {
        match (enabled, secondary_ccp_url, login_url) {
            (false, _, _) => GlobalResiliency::Off,
            (true, true, true) => GlobalResiliency::On,
            (true, false, true) => GlobalResiliency::Incomplete {
                missing: "secondaryCCPUrl",
            },
            (true, true, false) => GlobalResiliency::Incomplete { missing: "loginUrl" },
            (true, false, false) => GlobalResiliency::Incomplete {
                missing: "secondaryCCPUrl or loginUrl",
            },
        }
    }

    /// Whether `initCCP` gets `enableGlobalResiliency: true`.
    pub fn enabled(self) -> bool {
        self == GlobalResiliency::On
    }

    /// What the errors box says when global resiliency was asked for and cannot be had; `None` otherwise.
    pub fn problem(self) -> Option<String> {
        match self {
            GlobalResiliency::Incomplete { missing } => Some(format!(
                "enableGlobalResiliency is on without an acceptable {missing}: Amazon Connect Streams needs both \
                 secondaryCCPUrl and loginUrl for the two-region CCP, so the CCP starts in one region only"
            )),
            GlobalResiliency::Off | GlobalResiliency::On => None,
        }
    }
}
