//! Layered configuration: built-in defaults → `config.json` → CIF Custom Parameters → URL query.
//!
//! Every value is checked where it enters ([`Config::resolve`]); a refused value becomes a [`ConfigError`]
//! naming the key, the value, what was expected and the layer, and the lower layer's value stays in force, so
//! one typo in Custom Parameters never takes the page down. URL values are strings, so booleans, numbers and
//! object-valued keys are also accepted as text (`"true"`, `"12000"`, JSON text).
//!
//! Keys the page reads from its URL that are not configuration are listed in [`NON_CONFIG_KEYS`] and ignored;
//! any other unknown key is an error, so that a misspelt key is visible instead of silently ignored.

mod layers;
mod resiliency;
mod values;

use serde_json::{Map, Value};

pub use layers::{insert_by_source, ConfigError, ConfigLayer, ConfigSource};
pub use resiliency::GlobalResiliency;
use values::*;
pub use values::{check_queue_arn, check_region, check_url, origin_of};

use crate::slug::{AttributeNames, SlugField, TemplateName};
use crate::text;

/// Keys that may appear in a layer (mostly the URL query) but are not configuration, so they are ignored
/// rather than reported as unknown: `cifid`/`data-cifid` (CIF's own script convention, which some hosts append
/// to the channel URL) and `_` (cache busting). CIF's `crmurl` is read as `crmUrl` (see [`Config::resolve`]).
pub const NON_CONFIG_KEYS: [&str; 3] = ["cifid", "data-cifid", "_"];

/// Whether the session template's anchor tab shows the matched customer, or the bridge opens a record tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerRecordTab {
    /// `anchor`: the session template's anchor tab shows the customer through the slugs (the seed's setup).
    Anchor,
    /// `tab`: the bridge opens an entity-record tab for the customer.
    Tab,
}

/// The notification and session template a channel uses when the contact flow names none (or a bad one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelTemplates {
    /// The `notifyEvent` template: the toast the agent accepts or rejects.
    pub notification: TemplateName,
    /// The `createSession` template: its anchor tab and title come from the slugs.
    pub session: TemplateName,
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `ucilib`: URL of `msdyn_ciLibrary.js`.
    pub ucilib: Option<String>,
    /// `crmUrl`: the Dynamics org's origin; the library is then `<crmUrl>/webresources/Widget/msdyn_ciLibrary.js`.
    pub crm_url: Option<String>,
    /// `ccpUrl`: the Amazon Connect CCP URL (https, or http on localhost / 127.0.0.1).
    pub ccp_url: Option<String>,
    /// `secondaryCCPUrl`: the CCP URL of the instance's replica in the other region (global resiliency), checked
    /// like `ccpUrl` (https, and `allowedConnectOrigins` when set): it is loaded into a frame of this page too.
    pub secondary_ccp_url: Option<String>,
    /// `enableGlobalResiliency`: ask Streams for the two-region CCP (needs `secondaryCCPUrl` and `loginUrl`;
    /// Streams 2.27+). See [`Config::global_resiliency`].
    pub enable_global_resiliency: bool,
    /// `loginUrl`: the sign-in page Streams opens in its login pop-up (`loginUrl` of `initCCP`) instead of
    /// `ccpUrl`: the identity provider's sign-in URL for SAML, or the instance's global sign-in page, which
    /// Streams requires for global resiliency. Checked like `ccpUrl` (https, and `allowedConnectOrigins` when
    /// set): the agent types credentials into that pop-up, so a crafted link must not choose where it points.
    pub login_url: Option<String>,
    /// `region`: the Amazon Connect instance's AWS region (needed for chat).
    pub region: Option<String>,
    /// `loginPopup`: let Streams open the Connect login pop-up.
    pub login_popup: bool,
    /// `loginPopupAutoClose`: close that pop-up after login.
    pub login_popup_auto_close: bool,
    /// `allowFramedSoftphone`: take calls in this iframe (softphone media in the frame).
    pub allow_framed_softphone: bool,
    /// `disableRingtone`: silence the CCP's ringtone (for desks where Dynamics' toast, or another device, rings).
    pub disable_ringtone: bool,
    /// `streamsConsoleLevel`: the lowest level of Streams' log lines echoed to the browser console. Streams echoes
    /// every INFO line by default, synchronously and inside the page's handling of each contact event; its log
    /// buffer (the CCP's "Download logs") keeps every level whatever this says.
    pub streams_console_level: &'static str,
    /// `ccpLoadTimeoutMs`: how long Streams waits for the CCP frame's first answer, and then between its
    /// refreshes of a silent frame (`initCCP`'s `ccpLoadTimeout`). Unset, Streams decides (5 s; 10 s with global
    /// resiliency). Longer suits a CCP that loads slowly (virtual desktops); below the CCP's own load time (1–3 s)
    /// Streams refreshes a working CCP.
    pub ccp_load_timeout_ms: Option<u64>,
    /// `cifInitTimeoutMs`: how long to wait for `CIFInitDone` before saying "Dynamics not connected".
    pub cif_init_timeout_ms: u64,
    /// `cifCallTimeoutMs`: deadline of a CIF call (CIF gives up after 10 s; default 12 s leaves a margin).
    pub cif_call_timeout_ms: u64,
    /// `notificationTimeoutMs`: deadline of `notifyEvent`, which has no client time limit while a toast may stay
    /// up to 500 s (default 600 s).
    pub notification_timeout_ms: u64,
    /// `cifRetryAttempts`: retries after a failed (rejected or thrown) CIF call, before giving up.
    pub cif_retry_attempts: u32,
    /// `cifRetryBackoffMs`: delay before the first retry; doubled for each further retry, capped at
    /// [`MAX_RETRY_BACKOFF_MS`].
    pub cif_retry_backoff_ms: u64,
    /// `voiceNotificationTemplate` / `voiceSessionTemplate` (also used for queue callbacks and unknown channels).
    pub voice: ChannelTemplates,
    /// `chatNotificationTemplate` / `chatSessionTemplate`.
    pub chat: ChannelTemplates,
    /// `taskNotificationTemplate` / `taskSessionTemplate`.
    pub task: ChannelTemplates,
    /// `emailNotificationTemplate` / `emailSessionTemplate`.
    pub email: ChannelTemplates,
    /// `recordTabTemplate`: the entity-record application tab template, for the activity and the customer tab.
    pub record_tab_template: TemplateName,
    /// `customerRecordTab`: `anchor` (default) or `tab`.
    pub customer_record_tab: CustomerRecordTab,
    /// `searchTabTemplate`: the search application tab template; `None` (configured as `""`) means
    /// `renderSearchPage` instead.
    pub search_tab_template: Option<TemplateName>,
    /// `searchTabSearchType`: `0` (relevance) or `1` (categorized), passed as the Search page's `searchType`;
    /// unset (default), the tab template decides. Never an entity name: that is not what the page type takes.
    pub search_tab_search_type: Option<u8>,
    /// `searchTabEntityParameter`: the tab template parameter that receives the entity to search
    /// (`ms_searchType`), for custom search templates that take one; unset (default), the entity is not passed
    /// to the tab (Dynamics' Search page searches its configured entities). Never `searchType` or `searchText`,
    /// the Search page's own parameters: the entity must not replace the 0/1 search type or the text.
    pub search_tab_entity_parameter: Option<String>,
    /// `preflight`: once CIF is up, check that every template the configuration names exists in Dynamics, and
    /// name each missing one before the first contact (default `true`). Never blocks or delays a pop.
    pub preflight: bool,
    /// `popTurnMs`: how long one contact's unanswered `canCreateSession`, `createSession` or tab holds the pop turn
    /// before the next contact may start its own (its tabs then wait until its session is focused), so one slow
    /// Dynamics answer does not hold every other contact for a whole CIF deadline. Default 1500.
    pub pop_turn_ms: u64,
    /// `sessionOrphanMs`: how long after a `createSession` without an answer Dynamics is asked a last time
    /// before the contact's session is taken as never created (its slot is freed, the pop tried once more).
    /// Default 30000.
    pub session_orphan_ms: u64,
    /// `restoredContactGraceMs`: how long after Dynamics is connected a contact remembered from before a
    /// reload is kept while Streams does not deliver it again (it ended meanwhile). Default 60000.
    pub restored_contact_grace_ms: u64,
    /// `tabLeadership`: when Dynamics is open in several browser tabs, only one page per agent and org pops
    /// (elected with a Web Lock); the others follow and offer to take over. Default `true`; `false` makes every
    /// page pop on its own, as when the browser has no Web Locks.
    pub tab_leadership: bool,
    /// `leaderHangMs`: how long the page that pops may leave the others' questions unanswered (its tab frozen
    /// or hung) before another page takes over. Default 6000.
    pub leader_hang_ms: u64,
    /// `rejectInConnectOnDecline`: reject the contact in Amazon Connect when the agent declines the toast.
    pub reject_in_connect_on_decline: bool,
    /// `maxSessions`: sessions the bridge keeps open at most (CIF allows 10); further contacts wait.
    pub max_sessions: usize,
    /// `handledContactMemory`: how many released contact ids are remembered so a redelivery never pops twice.
    pub handled_contact_memory: usize,
    /// `traceCapacity`: entries kept in the diagnostic trace.
    pub trace_capacity: usize,
    /// `attributeNames`: logical slug field → contact attribute name.
    pub attribute_names: AttributeNames,
    /// `allowedConnectOrigins`: when set, the only origins `ccpUrl`, `secondaryCCPUrl` and `loginUrl` may point
    /// to (see [`Config::resolve`]).
    /// Honoured only from `config.json`: a URL can be crafted by anyone who sends a link, and Custom Parameters
    /// arrive from the Dynamics org only after the CIF library has been loaded, so neither may set or widen it.
    pub allowed_connect_origins: Option<Vec<String>>,
    /// `allowedDynamicsOrigins`: when set, the only origins `ucilib` and `crmUrl` may point to; from
    /// `config.json` only, like `allowedConnectOrigins`.
    pub allowed_dynamics_origins: Option<Vec<String>>,
    /// `defaultCountryCode`: the country calling code (1 to 3 digits, default `1`) put in front of a national
    /// number clicked in Dynamics (click-to-dial); see [`crate::phone`] for the E.164 rules.
    pub default_country_code: String,
    /// `outboundQueueArn`: the queue outbound calls from click-to-dial are placed on
    /// (`arn:aws:connect:<region>:<account>:instance/<id>/queue/<id>`); unset, the routing profile's default
    /// outbound queue is used.
    pub outbound_queue_arn: Option<String>,
    /// `presenceRules`: Amazon Connect agent state ↔ Dynamics presence text, each with a direction
    /// (`toDynamics` default, `toConnect`, `both`); see [`crate::presence`]. Empty by default.
    pub presence_rules: Vec<crate::presence::PresenceRule>,
    /// `presenceSync`: `off`, `toDynamics` or `both`. Unset, it is `toDynamics` when `presenceRules` has rules
    /// and `off` otherwise (see [`Config::presence_sync`]): configuring rules is asking for them to apply,
    /// while changing the agent's Connect state from Dynamics must be asked for explicitly.
    pub presence_sync: Option<crate::presence::PresenceSync>,
    /// `updateActivityOnEnd`: when a contact ends and its flow created an activity (`CreateTimeline`, a valid
    /// activity id and its entity name), write its duration and end time to that activity with `updateRecord`
    /// (`actualdurationminutes`, `actualend`). Default `false`.
    pub update_activity_on_end: bool,
}

/// Upper bound of the exponential retry backoff.
pub const MAX_RETRY_BACKOFF_MS: u64 = 30_000;

/// The largest `handledContactMemory`: also how many stored ids a reload reads before the configuration is
/// settled.
pub const MAX_HANDLED_CONTACT_MEMORY: usize = 100_000;

impl Default for Config {
    fn default() -> Self {
        let t = TemplateName::known;
        Config {
            ucilib: None,
            crm_url: None,
            ccp_url: None,
            secondary_ccp_url: None,
            enable_global_resiliency: false,
            login_url: None,
            region: None,
            login_popup: true,
            login_popup_auto_close: true,
            allow_framed_softphone: true,
            disable_ringtone: false,
            streams_console_level: "WARN",
            ccp_load_timeout_ms: None,
            cif_init_timeout_ms: 15_000,
            cif_call_timeout_ms: 12_000,
            notification_timeout_ms: 600_000,
            cif_retry_attempts: 3,
            cif_retry_backoff_ms: 500,
            voice: ChannelTemplates {
                notification: t("extn_voice_notification"),
                session: t("extn_voice_identified_session"),
            },
            chat: ChannelTemplates {
                notification: t("extn_chat_notification"),
                session: t("extn_chat_session"),
            },
            task: ChannelTemplates {
                notification: t("extn_task_notification"),
                session: t("extn_task_session"),
            },
            email: ChannelTemplates {
                notification: t("extn_email_notification"),
                session: t("extn_email_session"),
            },
            record_tab_template: t("extn_entity_record"),
            customer_record_tab: CustomerRecordTab::Anchor,
            search_tab_template: Some(t("extn_search")),
            search_tab_search_type: None,
            search_tab_entity_parameter: None,
            preflight: true,
            pop_turn_ms: 1_500,
            session_orphan_ms: 30_000,
            restored_contact_grace_ms: 60_000,
            tab_leadership: true,
            leader_hang_ms: 6_000,
            reject_in_connect_on_decline: false,
            max_sessions: 10,
            handled_contact_memory: 1000,
            trace_capacity: 500,
            attribute_names: AttributeNames::default(),
            allowed_connect_origins: None,
            allowed_dynamics_origins: None,
            default_country_code: "1".to_owned(),
            outbound_queue_arn: None,
            presence_rules: Vec::new(),
            presence_sync: None,
            update_activity_on_end: false,
        }
    }
}

/// Every configuration key, in README order.
pub const KEYS: [&str; 49] = [
    "ucilib",
    "crmUrl",
    "ccpUrl",
    "secondaryCCPUrl",
    "enableGlobalResiliency",
    "loginUrl",
    "region",
    "loginPopup",
    "loginPopupAutoClose",
    "allowFramedSoftphone",
    "disableRingtone",
    "streamsConsoleLevel",
    "ccpLoadTimeoutMs",
    "cifInitTimeoutMs",
    "cifCallTimeoutMs",
    "notificationTimeoutMs",
    "cifRetryAttempts",
    "cifRetryBackoffMs",
    "voiceNotificationTemplate",
    "voiceSessionTemplate",
    "chatNotificationTemplate",
    "chatSessionTemplate",
    "taskNotificationTemplate",
    "taskSessionTemplate",
    "emailNotificationTemplate",
    "emailSessionTemplate",
    "recordTabTemplate",
    "customerRecordTab",
    "searchTabTemplate",
    "searchTabSearchType",
    "searchTabEntityParameter",
    "preflight",
    "popTurnMs",
    "sessionOrphanMs",
    "restoredContactGraceMs",
    "tabLeadership",
    "leaderHangMs",
    "rejectInConnectOnDecline",
    "maxSessions",
    "handledContactMemory",
    "traceCapacity",
    "attributeNames",
    "allowedConnectOrigins",
    "allowedDynamicsOrigins",
    "defaultCountryCode",
    "outboundQueueArn",
    "presenceRules",
    "presenceSync",
    "updateActivityOnEnd",
];

/// The template parameters the bridge adds beside the slugs (spec §3.1, and an email's sender and subject): an
/// attribute renamed to one of them would have its slug overwritten.
pub const BRIDGE_PARAMETERS: [&str; 7] = [
    "customerName",
    "phoneNumber",
    "channel",
    "queueName",
    "contactId",
    "emailAddress",
    "emailSubject",
];

impl Config {
    /// Applies `layers` over the defaults in precedence order; every refused value is reported, none is fatal.
    ///
    /// Layers are applied sorted by [`ConfigSource`] (a stable sort, so two layers of the same source apply in
    /// the order given); a JSON `null` leaves the lower layer's value in place.
    ///
    /// The origin allow-lists (`allowedConnectOrigins`, `allowedDynamicsOrigins`) are read first, from
    /// `config.json` only (given anywhere else they are refused with an error), and then constrain every
    /// layer's `ccpUrl`, `secondaryCCPUrl`, `loginUrl`, `ucilib` and `crmUrl`: an endpoint whose origin is not listed is refused like any bad
    /// value (the lower layer's value stays). A malformed allow-list fails closed: its valid entries (possibly
    /// none) are the list.
    pub fn resolve(layers: &[ConfigLayer]) -> (Config, Vec<ConfigError>) {
        let mut config = Config::default();
        let mut errors = Vec::new();
        let mut ordered: Vec<&ConfigLayer> = Vec::with_capacity(layers.len());
        for layer in layers {
            insert_by_source(&mut ordered, layer);
        }
        for layer in ordered.iter().filter(|l| l.source <= ConfigSource::ConfigFile) {
            for (key, slot) in [
                ("allowedConnectOrigins", &mut config.allowed_connect_origins),
                ("allowedDynamicsOrigins", &mut config.allowed_dynamics_origins),
            ] {
                if let Some(value) = layer.values.get(key).filter(|v| !v.is_null()) {
                    *slot = Some(origin_list(key, value, layer.source, &mut errors));
                }
            }
        }
        for layer in ordered {
            // `ucilib` and `crmUrl` are two ways to name one thing, the CIF library: a layer that names it (by
            // either key, accepted) replaces what lower layers named, so that `crmUrl` in the URL is not
            // overruled by a `ucilib` in config.json. Within one layer `ucilib` wins (`cif_library_url`).
            let lower_library = (config.ucilib.take(), config.crm_url.take());
            for (key, value) in &layer.values {
                if value.is_null() || NON_CONFIG_KEYS.contains(&key.as_str()) {
                    continue;
                }
                // CIF's own spelling (its script's `data-crmurl`), which hosts append to the channel URL: the same
                // key, unless the layer spells `crmUrl` too.
                let key = match key.as_str() {
                    "crmurl" if layer.values.contains_key("crmUrl") => continue,
                    "crmurl" => "crmUrl",
                    other => other,
                };
                if let Err(expected) = config.apply(key, value, layer.source, &mut errors) {
                    errors.push(ConfigError {
                        key: text::excerpt(key),
                        value: text::describe_json(value),
                        expected: expected.to_owned(),
                        source: layer.source,
                    });
                }
            }
            if config.ucilib.is_none() && config.crm_url.is_none() {
                (config.ucilib, config.crm_url) = lower_library;
            }
        }
        (config, errors)
    }

    /// The keys `initCCP` is given whose values differ between `self` and `other`: what a Custom Parameters
    /// answer arriving after the CCP started would have changed.
    pub fn ccp_keys_differing(&self, other: &Config) -> Vec<&'static str> {
        let pairs = [
            ("region", self.region != other.region),
            ("loginUrl", self.login_url != other.login_url),
            ("loginPopup", self.login_popup != other.login_popup),
            (
                "loginPopupAutoClose",
                self.login_popup_auto_close != other.login_popup_auto_close,
            ),
            (
                "allowFramedSoftphone",
                self.allow_framed_softphone != other.allow_framed_softphone,
            ),
            ("disableRingtone", self.disable_ringtone != other.disable_ringtone),
            (
                "ccpLoadTimeoutMs",
                self.ccp_load_timeout_ms != other.ccp_load_timeout_ms,
            ),
            (
                "streamsConsoleLevel",
                self.streams_console_level != other.streams_console_level,
            ),
            ("secondaryCCPUrl", self.secondary_ccp_url != other.secondary_ccp_url),
            (
                "enableGlobalResiliency",
                self.enable_global_resiliency != other.enable_global_resiliency,
            ),
        ];
        pairs
            .iter()
            .filter(|(_, differs)| *differs)
            .map(|(key, _)| *key)
            .collect()
    }

    /// Applies one key; `Err` is the "expected" text (the value is refused and the old one stays).
    fn apply(
        &mut self,
        key: &str,
        value: &Value,
        source: ConfigSource,
        errors: &mut Vec<ConfigError>,
    ) -> Result<(), &'static str> {
        match key {
            "ucilib" => self.ucilib = Some(allowed(url(value)?, &self.allowed_dynamics_origins, EXPECT_DYNAMICS)?),
            "crmUrl" => {
                // CIF v2 runs on Dynamics online, whose org URL is an origin: an address copied from the browser
                // (`…/main.aspx?appid=…`) names the same org, and only its origin can carry the library path.
                let u = allowed(url(value)?, &self.allowed_dynamics_origins, EXPECT_DYNAMICS)?;
                self.crm_url = Some(origin_of(&u).unwrap_or(u));
            }
            "ccpUrl" => self.ccp_url = Some(allowed(url(value)?, &self.allowed_connect_origins, EXPECT_CONNECT)?),
            "secondaryCCPUrl" => {
                self.secondary_ccp_url = Some(allowed(url(value)?, &self.allowed_connect_origins, EXPECT_CONNECT)?);
            }
            "enableGlobalResiliency" => self.enable_global_resiliency = boolean(value)?,
            "loginUrl" => {
                self.login_url = match value.as_str().map(str::trim) {
                    // "" clears a lower layer's value: Streams then signs in at `ccpUrl` again.
                    Some("") => None,
                    _ => Some(allowed(
                        url(value).map_err(|_| EXPECT_LOGIN_URL)?,
                        &self.allowed_connect_origins,
                        EXPECT_LOGIN_ORIGIN,
                    )?),
                }
            }
            "allowedConnectOrigins" | "allowedDynamicsOrigins" => {
                // Read before the other keys (see `resolve`); only the place it came from is checked here.
                if source > ConfigSource::ConfigFile {
                    return Err("to be set in config.json only (a URL or Custom Parameters may not set or widen the \
                                origin allow-list); ignored");
                }
            }
            "region" => self.region = Some(region(value)?),
            "loginPopup" => self.login_popup = boolean(value)?,
            "loginPopupAutoClose" => self.login_popup_auto_close = boolean(value)?,
            "allowFramedSoftphone" => self.allow_framed_softphone = boolean(value)?,
            "disableRingtone" => self.disable_ringtone = boolean(value)?,
            "streamsConsoleLevel" => self.streams_console_level = streams_log_level(value)?,
            "ccpLoadTimeoutMs" => {
                self.ccp_load_timeout_ms = Some(number(value, 1_000, 120_000, "milliseconds from 1000 to 120000")?);
            }
            "cifInitTimeoutMs" => {
                self.cif_init_timeout_ms = number(value, 100, 600_000, "milliseconds from 100 to 600000")?;
            }
            "cifCallTimeoutMs" => {
                self.cif_call_timeout_ms = number(value, 1_000, 120_000, "milliseconds from 1000 to 120000")?;
            }
            "notificationTimeoutMs" => {
                self.notification_timeout_ms =
                    number(value, 1_000, 3_600_000, "milliseconds from 1000 to 3600000")?;
            }
            "cifRetryAttempts" => {
                self.cif_retry_attempts = number(value, 0, 10, "a whole number from 0 to 10")? as u32;
            }
            "cifRetryBackoffMs" => {
                self.cif_retry_backoff_ms = number(value, 0, MAX_RETRY_BACKOFF_MS, "milliseconds from 0 to 30000")?;
            }
            "voiceNotificationTemplate" => self.voice.notification = template(value)?,
            "voiceSessionTemplate" => self.voice.session = template(value)?,
            "chatNotificationTemplate" => self.chat.notification = template(value)?,
            "chatSessionTemplate" => self.chat.session = template(value)?,
            "taskNotificationTemplate" => self.task.notification = template(value)?,
            "taskSessionTemplate" => self.task.session = template(value)?,
            "emailNotificationTemplate" => self.email.notification = template(value)?,
            "emailSessionTemplate" => self.email.session = template(value)?,
            "recordTabTemplate" => self.record_tab_template = template(value)?,
            "customerRecordTab" => {
                self.customer_record_tab = match value.as_str().map(str::trim) {
                    Some("anchor") => CustomerRecordTab::Anchor,
                    Some("tab") => CustomerRecordTab::Tab,
                    _ => return Err("`anchor` or `tab`"),
                }
            }
            "searchTabTemplate" => {
                self.search_tab_template = match value.as_str() {
                    Some(s) if s.trim().is_empty() => None,
                    _ => Some(template(value).map_err(|_| {
                        "a template unique name (^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$), or \"\" for renderSearchPage"
                    })?),
                }
            }
            "searchTabSearchType" => {
                self.search_tab_search_type = match value {
                    Value::String(s) if s.trim().is_empty() => None,
                    _ => Some(number(value, 0, 1, "0 (relevance) or 1 (categorized), or \"\" to leave it to the template")? as u8),
                }
            }
            "searchTabEntityParameter" => {
                // Not one of the Search page's own parameters: `searchType` takes 0 or 1, never an entity name
                // (spec §3.4), and `searchText` holds the text searched for.
                self.search_tab_entity_parameter = match value.as_str().map(str::trim) {
                    Some("") => None,
                    Some(s) if ["searchType", "searchText"].iter().any(|own| own.eq_ignore_ascii_case(s)) => {
                        return Err("a template parameter name other than the Search page's own searchType (0 or 1, \
                                    never an entity: see searchTabSearchType) and searchText, or \"\"");
                    }
                    Some(s) if s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                        Some(s.to_owned())
                    }
                    _ => return Err("a template parameter name (letters, digits, _; at most 64), or \"\""),
                }
            }
            "preflight" => self.preflight = boolean(value)?,
            "popTurnMs" => self.pop_turn_ms = number(value, 100, 60_000, "milliseconds from 100 to 60000")?,
            "sessionOrphanMs" => {
                self.session_orphan_ms = number(value, 5_000, 600_000, "milliseconds from 5000 to 600000")?;
            }
            "restoredContactGraceMs" => {
                self.restored_contact_grace_ms = number(value, 1_000, 3_600_000, "milliseconds from 1000 to 3600000")?;
            }
            "tabLeadership" => self.tab_leadership = boolean(value)?,
            "leaderHangMs" => {
                self.leader_hang_ms = number(value, 2_000, 120_000, "milliseconds from 2000 to 120000")?;
            }
            "rejectInConnectOnDecline" => self.reject_in_connect_on_decline = boolean(value)?,
            "maxSessions" => self.max_sessions = number(value, 1, 10, "a whole number from 1 to 10")? as usize,
            "handledContactMemory" => {
                // Not 0: that would switch off the memory that keeps a contact delivered again from popping twice.
                self.handled_contact_memory = number(
                    value,
                    1,
                    MAX_HANDLED_CONTACT_MEMORY as u64,
                    "a whole number from 1 to 100000",
                )? as usize;
            }
            "traceCapacity" => {
                self.trace_capacity = number(value, 0, 100_000, "a whole number from 0 to 100000")? as usize;
            }
            "attributeNames" => self.apply_attribute_names(value, source, errors)?,
            "defaultCountryCode" => {
                let s = value.as_str().map(|s| s.trim().trim_start_matches('+').to_owned()).or_else(|| value.as_u64().map(|n| n.to_string()));
                self.default_country_code = s
                    .filter(|s| crate::phone::valid_country_code(s))
                    .ok_or("a country's calling code: 1 to 3 digits, not starting with 0, not a non-geographic code such as +800 (e.g. 1, 44, +33)")?;
            }
            "outboundQueueArn" => {
                self.outbound_queue_arn = match value.as_str().map(str::trim) {
                    Some("") => None,
                    Some(s) if check_queue_arn(s) => Some(s.to_owned()),
                    _ => return Err("an Amazon Connect queue ARN (arn:aws:connect:<region>:<12-digit account>:instance/<id>/queue/<id>), or \"\""),
                }
            }
            "presenceRules" => {
                self.presence_rules = crate::presence::parse_rules(value).ok_or(crate::presence::EXPECTED_RULES)?;
            }
            "presenceSync" => {
                self.presence_sync = Some(crate::presence::parse_sync(value).ok_or("`off`, `toDynamics` or `both`")?);
            }
            "updateActivityOnEnd" => self.update_activity_on_end = boolean(value)?,
            _ => return Err("a known configuration key (see the README); this key is unknown"),
        }
        Ok(())
    }

    /// Merges an `attributeNames` object (or its JSON text) entry by entry over the current names; a name that is
    /// one of [`BRIDGE_PARAMETERS`] is refused (`customerName` only for another field than the customer's name).
    fn apply_attribute_names(
        &mut self,
        value: &Value,
        source: ConfigSource,
        errors: &mut Vec<ConfigError>,
    ) -> Result<(), &'static str> {
        const EXPECTED: &str = "an object mapping slug fields (e.g. contactId) to attribute names, or its JSON text";
        let parsed;
        let map: &Map<String, Value> = match value {
            Value::Object(m) => m,
            Value::String(s) => {
                parsed = serde_json::from_str::<Value>(s).map_err(|_| EXPECTED)?;
                parsed.as_object().ok_or(EXPECTED)?
            }
            _ => return Err(EXPECTED),
        };
        for (field_key, name) in map {
            let field = SlugField::from_config_key(field_key);
            let ok_name = name
                .as_str()
                .map(str::trim)
                .filter(|n| !n.is_empty() && n.len() <= 128 && !n.chars().any(char::is_control));
            match (field, ok_name) {
                // The bridge fills these template parameters itself, after the slugs: a slug under one of them would
                // be overwritten (a customer id under `contactId` replaced by the Connect contact id, which is
                // GUID-shaped and would open no record), so the name is refused rather than silently lost.
                (Some(field), Some(n))
                    if BRIDGE_PARAMETERS.contains(&n) && !(field == SlugField::CustomerName && n == "customerName") =>
                {
                    errors.push(ConfigError {
                        key: format!("attributeNames.{field_key}"),
                        value: text::describe_json(name),
                        expected: format!(
                            "an attribute name other than the template parameters the bridge fills itself ({}): rename \
                             the attribute in the contact flow",
                            BRIDGE_PARAMETERS.join(", ")
                        ),
                        source,
                    });
                }
                (Some(field), Some(n)) => self.attribute_names.set(field, n.to_owned()),
                (None, _) => errors.push(ConfigError {
                    key: format!("attributeNames.{}", text::excerpt(field_key)),
                    value: text::describe_json(name),
                    expected: "a slug field: customerEntityName, contactId, id, customerName, accountId, \
                               lookupStatus, lookupStatusFallback, sessionTemplate, notifyTemplate, callReason, \
                               searchType, searchText, createTimeline, activityId, entityRecordEntityName, \
                               entityRecordRecordId"
                        .to_owned(),
                    source,
                }),
                (Some(_), None) => errors.push(ConfigError {
                    key: format!("attributeNames.{field_key}"),
                    value: text::describe_json(name),
                    expected: "an attribute name (1 to 128 characters, no control characters)".to_owned(),
                    source,
                }),
            }
        }
        Ok(())
    }

    /// The default templates of a Streams channel (`getType()`): queue callbacks and unknown channels use voice's.
    pub fn templates_for(&self, channel: &str) -> &ChannelTemplates {
        match channel {
            "chat" => &self.chat,
            "task" => &self.task,
            "email" => &self.email,
            _ => &self.voice,
        }
    }

    /// The presence synchronisation in force: `presenceSync`, or, unset, `toDynamics` when rules are configured.
    pub fn presence_sync(&self) -> crate::presence::PresenceSync {
        use crate::presence::PresenceSync;
        match self.presence_sync {
            Some(s) => s,
            None if self.presence_rules.is_empty() => PresenceSync::Off,
            None => PresenceSync::ToDynamics,
        }
    }

    /// Whether `initCCP` is asked for the two-region CCP, from this configuration's keys (see
    /// [`GlobalResiliency::decide`]; the shell decides again after its last checks of the URLs at the sink).
    pub fn global_resiliency(&self) -> GlobalResiliency {
        GlobalResiliency::decide(
            self.enable_global_resiliency,
            self.secondary_ccp_url.is_some(),
            self.login_url.is_some(),
        )
    }

    /// The URL of the CIF library to inject: `ucilib`, else derived from `crmUrl`.
    pub fn cif_library_url(&self) -> Option<String> {
        self.ucilib.clone().or_else(|| {
            self.crm_url
                .as_ref()
                .map(|c| format!("{}/webresources/Widget/msdyn_ciLibrary.js", c.trim_end_matches('/')))
        })
    }

    /// Whether `url` may be used as a CCP or sign-in URL under `allowedConnectOrigins` (always, when no list is
    /// set): checked again at the sink, whatever route the URL took.
    pub fn connect_origin_allowed(&self, url: &str) -> bool {
        origin_allowed(url, &self.allowed_connect_origins)
    }

    /// Whether `url` may be used for the CIF library or the Dynamics org under `allowedDynamicsOrigins`.
    pub fn dynamics_origin_allowed(&self, url: &str) -> bool {
        origin_allowed(url, &self.allowed_dynamics_origins)
    }

    /// The value of the script tag's `data-crmurl`: the origin of the CIF library URL, normalised as a browser
    /// writes `event.origin`, which the library compares with it.
    pub fn cif_crm_origin(&self) -> Option<String> {
        origin_of(&self.cif_library_url()?)
    }
}
