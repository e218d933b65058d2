//! The page's start-up, driven as the shell drives it: `Begin` with the configuration layers, then the facts the
//! page sees (`CIFInitDone`, the script's error, `initCCP` throwing, the CCP's events, Retry, the login window).
//! Checks which CIF library is loaded, the wait for `CIFInitDone`, Custom Parameters, when and with what the CCP
//! starts, and what the status line says (only when it changes).

use super::common;

use bridge_core::*;
use common::*;
use serde_json::{json, Value};

const CCP: &str = "https://example.my.connect.aws/ccp-v2/";
const UCILIB: &str = "https://org.crm4.dynamics.com/webresources/Widget/msdyn_ciLibrary.js";

/// A layer of `source` from JSON values.
fn layer(source: ConfigSource, values: Value) -> ConfigLayer {
    ConfigLayer {
        source,
        values: values.as_object().cloned().unwrap_or_default(),
    }
}

/// A bridge resolved from a URL layer, begun as the page begins it (`Restore` first would go before this).
fn begin_with(url_values: Value, library: CifLibrary) -> Pair {
    let layers = vec![
        layer(ConfigSource::Defaults, json!({})),
        layer(ConfigSource::Url, url_values),
    ];
    let (config, errors) = Config::resolve(&layers);
    assert!(errors.is_empty(), "{errors:?}");
    let mut p = Pair::new(config);
    p.input(Input::Startup(StartupInput::Begin {
        layers,
        cif_library: library,
    }));
    p
}

/// [`begin_with`] with CIF on its way but no Custom Parameters yet: the CCP starts once its wait for them ends.
fn ccp_started(url_values: Value) -> Pair {
    let mut p = begin_with(url_values, CifLibrary::AlreadyLoaded);
    assert!(
        init_ccps(&p).is_empty(),
        "the CCP waits for Custom Parameters while CIF is on its way"
    );
    p.advance(3_000);
    assert_eq!(init_ccps(&p).len(), 1);
    p
}

fn fact(p: &mut Pair, input: StartupInput) {
    p.input(Input::Startup(input));
}

fn startup_calls(p: &Pair) -> Vec<StartupCall> {
    p.log
        .iter()
        .filter_map(|c| match c {
            Command::Startup(call) => Some(call.clone()),
            _ => None,
        })
        .collect()
}

fn init_ccps(p: &Pair) -> Vec<CcpParams> {
    startup_calls(p)
        .into_iter()
        .filter_map(|c| match c {
            StartupCall::InitCcp(params) => Some(params),
            _ => None,
        })
        .collect()
}

fn statuses(p: &Pair) -> Vec<StatusView> {
    p.log
        .iter()
        .filter_map(|c| match c {
            Command::Status(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// What the status line shows now: (Dynamics, CCP, focus), starting from what the page shows before the core
/// says anything.
fn shown(p: &Pair) -> (DynamicsStatus, CcpStatus, FocusStatus) {
    let mut now = (DynamicsStatus::default(), CcpStatus::default(), FocusStatus::default());
    for v in statuses(p) {
        match v {
            StatusView::Dynamics(d) => now.0 = d,
            StatusView::Ccp(c) => now.1 = c,
            StatusView::Focus(f) => now.2 = f,
        }
    }
    now
}

fn errors(p: &Pair) -> Vec<String> {
    p.log
        .iter()
        .filter_map(|c| match c {
            Command::ShowError { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn cif_methods(p: &Pair) -> Vec<&'static str> {
    p.log
        .iter()
        .filter_map(|c| match c {
            Command::Cif { call, .. } => Some(call.method_name()),
            _ => None,
        })
        .collect()
}

/// `CIFInitDone` and the `getEnvironment` answer carrying these Custom Parameters (`None`: none set).
fn cif_comes_up(p: &mut Pair, custom: Option<Value>) {
    fact(p, StartupInput::CifInitDone);
    let env = match custom {
        Some(values) => json!({"appId": "a", "customParams": values.to_string()}).to_string(),
        None => json!({"appId": "a"}).to_string(),
    };
    let request = p.req("getEnvironment");
    p.resolve(request, Value::String(env));
}

#[test]
fn cif_comes_up_get_environment_first_then_handlers_connected_and_click_to_act() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    assert!(
        init_ccps(&p).is_empty(),
        "the CCP waits for Custom Parameters while CIF is on its way"
    );
    assert!(cif_methods(&p).is_empty(), "no CIF call before CIFInitDone");
    cif_comes_up(&mut p, None);
    let methods = cif_methods(&p);
    assert_eq!(methods.first(), Some(&"getEnvironment"), "{methods:?}");
    assert_eq!(methods.last(), Some(&"setClickToAct"), "{methods:?}");
    assert!(startup_calls(&p).contains(&StartupCall::RegisterDynamicsHandlers));
    assert_eq!(shown(&p).0, DynamicsStatus::Connected);
    assert_eq!(init_ccps(&p).len(), 1, "the CCP starts once");
    // The pop flow runs now.
    p.ring(CONTACT_ID, Scenario::Single);
    assert!(cif_methods(&p).contains(&"notifyEvent"));
}

#[test]
fn without_cif_init_done_in_time_dynamics_is_not_connected_and_a_late_one_still_connects() {
    let mut p = begin_with(
        json!({"ccpUrl": CCP, "cifInitTimeoutMs": "2000"}),
        CifLibrary::AlreadyLoaded,
    );
    assert_eq!(shown(&p).0, DynamicsStatus::Connecting);
    p.advance(1_999);
    assert_eq!(shown(&p).0, DynamicsStatus::Connecting);
    p.advance(1);
    match shown(&p).0 {
        DynamicsStatus::NotConnected(why) => assert!(why.contains("no CIFInitDone within 2000 ms"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(p.report_codes().contains(&"cif.unavailable"));
    // A contact that ends meanwhile: its activity update is not sent, it fails as CIF would (and is retried).
    p.ring(CONTACT_ID, Scenario::Single);
    assert!(
        cif_methods(&p).is_empty(),
        "nothing reaches Dynamics while it is not connected"
    );

    cif_comes_up(&mut p, None);
    assert!(p.report_codes().contains(&"cif.late_init"));
    assert_eq!(shown(&p).0, DynamicsStatus::Connected);
    assert!(
        cif_methods(&p).contains(&"notifyEvent"),
        "the waiting contact is notified now"
    );
}

#[test]
fn a_script_that_fails_to_load_leaves_dynamics_unavailable_and_the_ccp_starts() {
    let mut p = begin_with(json!({"ucilib": UCILIB}), CifLibrary::FromConfig);
    assert_eq!(
        startup_calls(&p),
        [StartupCall::LoadCifLibrary {
            url: UCILIB.into(),
            crm_origin: "https://org.crm4.dynamics.com".into()
        }]
    );
    assert_eq!(
        shown(&p).1,
        CcpStatus::WaitingForConfig,
        "no ccpUrl yet: Custom Parameters may bring it"
    );
    fact(&mut p, StartupInput::CifScriptFailed);
    match shown(&p).0 {
        DynamicsStatus::NotConnected(why) => assert!(why.contains(UCILIB), "{why}"),
        other => panic!("{other:?}"),
    }
    // CIF will not come, so the CCP starts with what there is: no ccpUrl at all.
    assert!(init_ccps(&p).is_empty());
    assert!(
        errors(&p).iter().any(|e| e.contains("`ccpUrl` is missing")),
        "{:?}",
        errors(&p)
    );
    assert_eq!(shown(&p).1, CcpStatus::Failed("no valid ccpUrl configured".into()));
}

#[test]
fn a_failed_script_with_a_ccp_url_still_starts_the_ccp_and_the_timeout_is_moot() {
    let mut p = begin_with(json!({"ucilib": UCILIB, "ccpUrl": CCP}), CifLibrary::FromConfig);
    fact(
        &mut p,
        StartupInput::CifScriptNotAdded {
            reason: "appendChild(script) failed: no".into(),
        },
    );
    assert_eq!(init_ccps(&p).len(), 1);
    assert!(matches!(shown(&p).0, DynamicsStatus::NotConnected(ref why) if why.contains("appendChild")));
    let dynamics = shown(&p).0;
    let reports = p.report_codes().len();
    p.advance(60_000);
    assert_eq!(shown(&p).0, dynamics, "the given-up wait does not fire again");
    assert!(!p.report_codes()[reports..].contains(&"cif.not_connected"));
}

#[test]
fn without_ucilib_or_crm_url_dynamics_is_not_connected_at_once() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::FromConfig);
    assert!(matches!(shown(&p).0, DynamicsStatus::NotConnected(ref why) if why == "no ucilib or crmUrl configured"));
    assert!(startup_calls(&p)
        .iter()
        .all(|c| !matches!(c, StartupCall::LoadCifLibrary { .. })));
    assert_eq!(init_ccps(&p).len(), 1);
    // No library was asked for: a CIFInitDone (someone else's) connects nothing.
    fact(&mut p, StartupInput::CifInitDone);
    assert!(cif_methods(&p).is_empty());
}

#[test]
fn a_library_url_outside_allowed_dynamics_origins_is_not_loaded() {
    let layers = vec![
        layer(ConfigSource::Defaults, json!({})),
        layer(
            ConfigSource::ConfigFile,
            json!({"allowedDynamicsOrigins": ["https://other.crm.dynamics.com"]}),
        ),
        layer(ConfigSource::Url, json!({"ccpUrl": CCP})),
    ];
    let (mut config, errors) = Config::resolve(&layers);
    assert!(errors.is_empty(), "{errors:?}");
    // As if the value had been given by a host that resolved it itself: the sink checks again.
    config.ucilib = Some(UCILIB.into());
    let mut p = Pair::new(config);
    fact(
        &mut p,
        StartupInput::Begin {
            layers,
            cif_library: CifLibrary::FromConfig,
        },
    );
    assert!(startup_calls(&p)
        .iter()
        .all(|c| !matches!(c, StartupCall::LoadCifLibrary { .. })));
    match shown(&p).0 {
        DynamicsStatus::NotConnected(why) => assert!(why.contains("is not in allowedDynamicsOrigins"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(init_ccps(&p).len(), 1);
}

#[test]
fn custom_parameters_bring_the_ccp_url_when_none_was_configured() {
    let mut p = begin_with(json!({}), CifLibrary::AlreadyLoaded);
    assert!(init_ccps(&p).is_empty(), "waits for Custom Parameters");
    assert_eq!(shown(&p).1, CcpStatus::WaitingForConfig);
    cif_comes_up(&mut p, Some(json!({"ccpUrl": CCP, "region": "eu-west-2"})));
    let params = init_ccps(&p);
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].ccp_url, CCP);
    assert_eq!(params[0].region.as_deref(), Some("eu-west-2"));
    assert_eq!(p.bridge.config().region.as_deref(), Some("eu-west-2"));
    assert_eq!(shown(&p).1, CcpStatus::Loading);
}

#[test]
fn custom_parameters_rank_below_the_url() {
    let mut p = begin_with(json!({"ccpUrl": CCP, "region": "us-east-1"}), CifLibrary::AlreadyLoaded);
    cif_comes_up(&mut p, Some(json!({"region": "eu-west-2", "loginPopup": false})));
    assert_eq!(p.bridge.config().region.as_deref(), Some("us-east-1"));
    assert!(!p.bridge.config().login_popup);
}

/// Custom Parameters come through the CIF library, so theirs can no longer choose it; the origin the tabs' lock
/// is named after stays the page's own. The same value is no news; another one is reported.
#[test]
fn a_cif_library_from_custom_parameters_is_not_applied() {
    let mut p = begin_with(json!({"ucilib": UCILIB, "ccpUrl": CCP}), CifLibrary::FromConfig);
    let origin = p.bridge.config().cif_crm_origin();
    assert_eq!(origin.as_deref(), Some("https://org.crm4.dynamics.com"));
    cif_comes_up(&mut p, Some(json!({"crmUrl": "https://org.crm4.dynamics.com"})));
    assert!(!p.report_codes().contains(&"config.cif_library_not_applied"));

    // A `ucilib` in Custom Parameters, above config.json's `crmUrl`, would choose another library.
    let layers = vec![
        layer(ConfigSource::Defaults, json!({})),
        layer(
            ConfigSource::ConfigFile,
            json!({"crmUrl": "https://org.crm4.dynamics.com", "ccpUrl": CCP}),
        ),
    ];
    let mut p = Pair::new(Config::resolve(&layers).0);
    p.input(Input::Startup(StartupInput::Begin {
        layers,
        cif_library: CifLibrary::FromConfig,
    }));
    cif_comes_up(
        &mut p,
        Some(json!({
            "ucilib": "https://other.crm.dynamics.com/webresources/Widget/msdyn_ciLibrary.js",
            "region": "eu-west-2"
        })),
    );
    assert!(p.report_codes().contains(&"config.cif_library_not_applied"));
    assert_eq!(p.bridge.config().cif_crm_origin(), origin);
    assert_eq!(p.bridge.config().ucilib, None);
    assert_eq!(
        p.bridge.config().region.as_deref(),
        Some("eu-west-2"),
        "the rest applies"
    );

    // Below the URL's own `crmUrl`, Custom Parameters' `ucilib` is outranked like any lower layer's value: no news.
    let mut p = begin_with(
        json!({"crmUrl": "https://org.crm4.dynamics.com", "ccpUrl": CCP}),
        CifLibrary::FromConfig,
    );
    cif_comes_up(
        &mut p,
        Some(json!({"ucilib": "https://other.crm.dynamics.com/webresources/Widget/msdyn_ciLibrary.js"})),
    );
    assert!(!p.report_codes().contains(&"config.cif_library_not_applied"));
    assert_eq!(p.bridge.config().cif_crm_origin(), origin);
}

/// A host that loaded the CIF library itself gives the page no library URL: one in Custom Parameters is reported
/// as not applied, not dropped without a word.
#[test]
fn a_cif_library_from_custom_parameters_on_a_host_that_loaded_it_is_reported() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    cif_comes_up(&mut p, Some(json!({"ucilib": UCILIB, "region": "eu-west-2"})));
    assert!(p.report_codes().contains(&"config.cif_library_not_applied"));
    assert_eq!(p.bridge.config().ucilib, None);
    assert_eq!(p.bridge.config().region.as_deref(), Some("eu-west-2"));

    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    cif_comes_up(&mut p, Some(json!({"region": "eu-west-2"})));
    assert!(!p.report_codes().contains(&"config.cif_library_not_applied"));
}

/// Started with `ccpUrl` from config.json and the CIF library already on the page.
fn begin_with_ccp_url_in_config_file() -> Pair {
    let layers = vec![
        layer(ConfigSource::Defaults, json!({})),
        layer(ConfigSource::ConfigFile, json!({"ccpUrl": CCP})),
    ];
    let (config, _) = Config::resolve(&layers);
    let mut p = Pair::new(config);
    fact(
        &mut p,
        StartupInput::Begin {
            layers,
            cif_library: CifLibrary::AlreadyLoaded,
        },
    );
    p
}

#[test]
fn ccp_keys_from_custom_parameters_reach_init_ccp_when_dynamics_answers_in_time() {
    // The page's own ccpUrl (config.json); the region, the sign-in URL and a softphone option from Custom
    // Parameters, as the README's Channel URL arrangement has it: the CCP waits for them.
    let mut p = begin_with_ccp_url_in_config_file();
    p.advance(2_000);
    assert!(init_ccps(&p).is_empty());
    let login = "https://idp.example.com/saml";
    cif_comes_up(
        &mut p,
        Some(json!({"region": "eu-west-2", "loginUrl": login, "loginPopup": "false"})),
    );
    let params = init_ccps(&p);
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].region.as_deref(), Some("eu-west-2"));
    assert_eq!(params[0].login_url.as_deref(), Some(login));
    assert!(!params[0].login_popup);
    assert!(!p.report_codes().contains(&"config.ccp_keys_late"));
}

#[test]
fn custom_parameters_after_the_ccp_started_are_reported_and_a_late_ccp_url_is_not_applied() {
    let mut p = begin_with_ccp_url_in_config_file();
    // Dynamics is slow: the agent's softphone waits no longer than 3 s.
    p.advance(3_000);
    assert_eq!(init_ccps(&p).len(), 1);
    cif_comes_up(
        &mut p,
        Some(json!({"ccpUrl": "https://other.my.connect.aws/ccp-v2/", "region": "eu-west-2"})),
    );
    assert_eq!(init_ccps(&p).len(), 1);
    assert_eq!(init_ccps(&p)[0].ccp_url, CCP);
    assert!(p.report_codes().contains(&"config.ccp_url_not_applied"));
    let late = p
        .reports()
        .into_iter()
        .find(|r| r.code == "config.ccp_keys_late")
        .map(|r| r.message.clone());
    assert!(late.as_deref().is_some_and(|m| m.contains("region")), "{late:?}");
    assert_eq!(
        p.bridge.config().ccp_url.as_deref(),
        Some(CCP),
        "the configuration says what is in force"
    );
    // A Retry restarts the CCP it was: the message said the other URL is not applied.
    fact(&mut p, StartupInput::Ccp(CcpEvent::IframeRetriesExhausted));
    fact(&mut p, StartupInput::RetryClicked);
    let params = init_ccps(&p);
    assert_eq!(params.len(), 2);
    assert_eq!(params[1].ccp_url, CCP);
}

#[test]
fn retry_is_ignored_unless_the_ccp_status_offers_it() {
    // Waiting for Custom Parameters: a Retry must not start the CCP without the URL they bring.
    let mut p = begin_with(json!({"ucilib": UCILIB}), CifLibrary::FromConfig);
    assert_eq!(shown(&p).1, CcpStatus::WaitingForConfig);
    fact(&mut p, StartupInput::RetryClicked);
    assert!(init_ccps(&p).is_empty());
    assert!(!startup_calls(&p).contains(&StartupCall::RestartCcp));
    assert!(errors(&p).is_empty(), "{:?}", errors(&p));
    assert_eq!(shown(&p).1, CcpStatus::WaitingForConfig);
    cif_comes_up(&mut p, Some(json!({"ccpUrl": CCP})));
    let params = init_ccps(&p);
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].ccp_url, CCP);

    // Loading or ready: nothing to retry either.
    fact(&mut p, StartupInput::RetryClicked);
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    fact(&mut p, StartupInput::RetryClicked);
    assert_eq!(init_ccps(&p).len(), 1);
    assert!(!startup_calls(&p).contains(&StartupCall::RestartCcp));
    assert!(!p.report_codes().contains(&"ccp.retry"));
}

#[test]
fn refused_custom_parameters_are_shown_and_only_those() {
    let layers = vec![
        layer(ConfigSource::Defaults, json!({})),
        layer(ConfigSource::Url, json!({"ccpUrl": CCP, "region": "nowhere"})),
    ];
    let (config, _url_errors) = Config::resolve(&layers);
    let mut p = Pair::new(config);
    fact(
        &mut p,
        StartupInput::Begin {
            layers,
            cif_library: CifLibrary::AlreadyLoaded,
        },
    );
    cif_comes_up(&mut p, Some(json!({"maxSessions": "lots"})));
    let shown_errors = errors(&p);
    assert_eq!(shown_errors.len(), 1, "{shown_errors:?}");
    assert!(shown_errors[0].contains("maxSessions"), "{shown_errors:?}");
    assert!(
        !shown_errors[0].contains("region"),
        "the page's own errors were shown at start-up"
    );

    // Custom Parameters that are not JSON are ignored as a whole, with the reason.
    let mut q = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    fact(&mut q, StartupInput::CifInitDone);
    let request = q.req("getEnvironment");
    q.resolve(request, json!({"customParams": "{not json"}));
    assert!(errors(&q)
        .iter()
        .any(|e| e.starts_with("Custom Parameters ignored: customParams")));
    assert_eq!(shown(&q).0, DynamicsStatus::Connected, "CIF is ready all the same");

    // A failed getEnvironment: a warning, and CIF is ready all the same.
    let mut r = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    fact(&mut r, StartupInput::CifInitDone);
    let request = r.req("getEnvironment");
    r.reject(request, json!({"message": "no"}));
    assert!(r.report_codes().contains(&"cif.getEnvironment.failed"));
    assert_eq!(shown(&r).0, DynamicsStatus::Connected);
}

#[test]
fn a_get_environment_that_never_answers_lets_cif_go_live_without_custom_parameters() {
    let mut p = begin_with(json!({"cifInitTimeoutMs": "2000"}), CifLibrary::AlreadyLoaded);
    fact(&mut p, StartupInput::CifInitDone);
    let request = p.req("getEnvironment");
    assert_eq!(p.bridge.debug_counts().cif_pending, 1);
    p.advance(1_999);
    assert_eq!(shown(&p).0, DynamicsStatus::Connecting);
    assert_eq!(shown(&p).1, CcpStatus::WaitingForConfig);
    let before_deadline = p.log.len();
    p.advance(1);
    assert!(p.report_codes().contains(&"cif.getEnvironment.unanswered"));
    assert_eq!(shown(&p).0, DynamicsStatus::Connected);
    assert!(startup_calls(&p).contains(&StartupCall::RegisterDynamicsHandlers));
    // No ccpUrl anywhere: the CCP is no longer waiting, it is said to have none.
    assert_eq!(shown(&p).1, CcpStatus::Failed("no valid ccpUrl configured".into()));
    let sent_since = p.log[before_deadline..]
        .iter()
        .filter(|c| matches!(c, Command::Cif { .. }))
        .count();
    assert_eq!(
        p.bridge.debug_counts().cif_pending,
        sent_since,
        "getEnvironment is no longer awaited, only what CIF going live sent"
    );
    p.ring(CONTACT_ID, Scenario::Single);
    assert!(cif_methods(&p).contains(&"notifyEvent"), "pops run");

    // The late answer changes nothing.
    let before = p.log.len();
    let env = json!({"customParams": json!({"ccpUrl": CCP, "region": "eu-west-2"}).to_string()});
    let pending = p.bridge.debug_counts().cif_pending;
    p.resolve(request, Value::String(env.to_string()));
    assert_eq!(p.bridge.debug_counts().cif_pending, pending);
    assert!(init_ccps(&p).is_empty());
    assert_eq!(p.bridge.config().region, None);
    assert!(
        !p.log[before..]
            .iter()
            .any(|c| matches!(c, Command::Status(_) | Command::ShowError { .. })),
        "{:?}",
        &p.log[before..]
    );
}

#[test]
fn start_up_cif_calls_carry_correlation_ids_unique_to_the_page_load() {
    let ids = |nonce: &str| {
        let layers = vec![layer(ConfigSource::Url, json!({"ccpUrl": CCP}))];
        let (config, _) = Config::resolve(&layers);
        let mut p = Pair::new(config);
        p.bridge = Bridge::new(p.bridge.config().clone(), p.now).with_page_nonce(nonce);
        fact(
            &mut p,
            StartupInput::Begin {
                layers,
                cif_library: CifLibrary::AlreadyLoaded,
            },
        );
        cif_comes_up(&mut p, None);
        (p.last("getEnvironment").2, p.last("setClickToAct").2)
    };
    let (environment, click_to_act) = ids("pageOne");
    let (environment_again, _) = ids("pageOne");
    let (reloaded, reloaded_click_to_act) = ids("pageTwo");
    assert_eq!(environment, environment_again, "derived, not random");
    assert_ne!(environment, reloaded, "a reloaded page's calls are told apart");
    assert_ne!(click_to_act, reloaded_click_to_act);
    assert_ne!(environment, click_to_act, "one id per call");
    assert!(Guid::parse(&environment).is_some(), "GUID-shaped: {environment}");
}

#[test]
fn unacceptable_ccp_urls_never_reach_init_ccp() {
    for url in [
        "http://evil.example/ccp-v2/",
        "javascript:alert(1)",
        "https://user:pw@example.my.connect.aws/ccp-v2/",
        "data:text/html,<p>hi</p>",
    ] {
        // Refused at resolution already, so the error names the raw value; the sink refuses it too.
        let mut p = begin_with(json!({}), CifLibrary::FromConfig);
        assert!(init_ccps(&p).is_empty(), "{url}");
        let mut config = p.bridge.config().clone();
        config.ccp_url = Some(url.into());
        let layers = vec![layer(ConfigSource::Url, json!({"ccpUrl": url}))];
        p = Pair::new(config);
        fact(
            &mut p,
            StartupInput::Begin {
                layers,
                cif_library: CifLibrary::FromConfig,
            },
        );
        assert!(init_ccps(&p).is_empty(), "{url}: initCCP must not be called");
        assert!(
            errors(&p).iter().any(|e| e.contains("ccpUrl")),
            "{url}: {:?}",
            errors(&p)
        );
        assert!(matches!(shown(&p).1, CcpStatus::Failed(_)), "{url}");
    }
    assert!(startup::acceptable_ccp_url("https://example.my.connect.aws/ccp-v2/"));
    assert!(startup::acceptable_ccp_url("http://localhost:8081/fake-ccp.html"));
    assert!(startup::acceptable_ccp_url("http://127.0.0.1:9000/ccp-v2/"));
    assert!(!startup::acceptable_ccp_url("ccp-v2/"));
}

#[test]
fn global_resiliency_needs_all_three_parts() {
    let secondary = "https://example-replica.my.connect.aws/ccp-v2/";
    let login = "https://idp.example.com/saml";
    let full = ccp_started(
        json!({"ccpUrl": CCP, "secondaryCCPUrl": secondary, "loginUrl": login, "enableGlobalResiliency": "true"}),
    );
    let params = &init_ccps(&full)[0];
    assert!(params.enable_global_resiliency);
    assert_eq!(params.secondary_ccp_url.as_deref(), Some(secondary));
    assert_eq!(params.login_url.as_deref(), Some(login));
    assert!(errors(&full).is_empty(), "{:?}", errors(&full));

    let no_login = ccp_started(json!({"ccpUrl": CCP, "secondaryCCPUrl": secondary, "enableGlobalResiliency": "true"}));
    assert!(!init_ccps(&no_login)[0].enable_global_resiliency);
    assert_eq!(
        errors(&no_login),
        [
            "enableGlobalResiliency is on without an acceptable loginUrl: Amazon Connect Streams needs both \
          secondaryCCPUrl and loginUrl for the two-region CCP, so the CCP starts in one region only"
        ]
    );
    let Ok(params_json) = serde_json::to_value(&init_ccps(&no_login)[0]) else {
        panic!("initCCP parameters are JSON")
    };
    assert!(params_json.get("enableGlobalResiliency").is_none(), "{params_json}");
    assert_eq!(params_json["secondaryCCPUrl"], secondary);

    let not_asked = ccp_started(json!({"ccpUrl": CCP, "loginUrl": login}));
    assert!(!init_ccps(&not_asked)[0].enable_global_resiliency);
    assert!(errors(&not_asked).is_empty());
}

#[test]
fn a_ccp_that_does_not_answer_is_said_so_unless_it_answered_first() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    p.advance(ccp_failure::CCP_ANSWER_WAIT_MS - 1);
    assert_eq!(shown(&p).1, CcpStatus::Loading);
    p.advance(1);
    assert_eq!(
        shown(&p).1,
        CcpStatus::NotAnswering(CcpFailure::NotAnswering { after_s: 15 }.message())
    );
    assert!(p.report_codes().contains(&"ccp.not_answering"));
    // A late answer still makes it ready.
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    assert_eq!(shown(&p).1, CcpStatus::Ready);

    let mut q = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut q, StartupInput::Ccp(CcpEvent::Initialized));
    q.advance(60_000);
    assert_eq!(shown(&q).1, CcpStatus::Ready);
    assert!(!q.report_codes().contains(&"ccp.not_answering"));
}

#[test]
fn init_ccp_throwing_is_named_and_no_answer_watch_runs() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(
        &mut p,
        StartupInput::CcpInitThrew {
            name: "SecurityError".into(),
            message: "Failed to read the 'localStorage' property".into(),
        },
    );
    let CcpStatus::Failed(why) = shown(&p).1 else {
        panic!("{:?}", shown(&p))
    };
    assert!(why.contains("blocks storage for this frame"), "{why}");
    assert!(errors(&p)
        .iter()
        .any(|e| e.starts_with("CCP: the browser blocks storage")));
    p.advance(60_000);
    assert!(!p.report_codes().contains(&"ccp.not_answering"));
}

#[test]
fn retry_restarts_streams_and_starts_a_new_init_ccp_and_watch() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut p, StartupInput::Ccp(CcpEvent::IframeRetriesExhausted));
    assert!(matches!(shown(&p).1, CcpStatus::Failed(_)));
    p.advance(10_000);
    fact(&mut p, StartupInput::RetryClicked);
    let calls = startup_calls(&p);
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(matches!(calls[0], StartupCall::InitCcp(_)));
    assert_eq!(calls[1], StartupCall::RestartCcp);
    assert!(matches!(calls[2], StartupCall::InitCcp(_)));
    assert_eq!(shown(&p).1, CcpStatus::Loading);
    // The new watch counts from the retry, not from the first initCCP.
    p.advance(ccp_failure::CCP_ANSWER_WAIT_MS - 1);
    assert_eq!(shown(&p).1, CcpStatus::Loading);
    p.advance(1);
    assert!(matches!(shown(&p).1, CcpStatus::NotAnswering(_)));
}

/// `ccpLoadTimeoutMs` is Streams' own wait (`ccpLoadTimeout`): passed to `initCCP` when set, left to Streams
/// when not, and a CCP configured to load slowly is not called silent before Streams stops waiting for it.
#[test]
fn ccp_load_timeout_reaches_init_ccp_and_the_not_answering_watch_waits_for_it() {
    let default = ccp_started(json!({"ccpUrl": CCP}));
    let Ok(params) = serde_json::to_value(&init_ccps(&default)[0]) else {
        panic!("initCCP parameters are JSON")
    };
    assert!(params.get("ccpLoadTimeout").is_none(), "{params}");

    let quick = ccp_started(json!({"ccpUrl": CCP, "ccpLoadTimeoutMs": "2000"}));
    let Ok(params) = serde_json::to_value(&init_ccps(&quick)[0]) else {
        panic!("initCCP parameters are JSON")
    };
    assert_eq!(params["ccpLoadTimeout"], 2000);

    let mut slow = ccp_started(json!({"ccpUrl": CCP, "ccpLoadTimeoutMs": 40000}));
    slow.advance(39_999);
    assert_eq!(shown(&slow).1, CcpStatus::Loading);
    slow.advance(1);
    let CcpStatus::NotAnswering(why) = shown(&slow).1 else {
        panic!("{:?}", shown(&slow))
    };
    assert!(why.starts_with("the CCP has not answered for 40 s"), "{why}");
}

#[test]
fn the_login_pop_up_is_checked_after_a_sign_in_failure_while_the_ccp_is_still_failed() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut p, StartupInput::Ccp(CcpEvent::AuthFail));
    p.advance(5_499);
    assert!(!startup_calls(&p).contains(&StartupCall::CheckLoginWindow));
    p.advance(1);
    assert!(startup_calls(&p).contains(&StartupCall::CheckLoginWindow));
    fact(&mut p, StartupInput::LoginWindow { null: true });
    assert_eq!(shown(&p).1, CcpStatus::Failed(CcpFailure::LoginPopupBlocked.message()));

    // Signed in meanwhile: no look, and a late "blocked" changes nothing.
    let mut q = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut q, StartupInput::Ccp(CcpEvent::Terminated));
    fact(&mut q, StartupInput::Ccp(CcpEvent::Initialized));
    q.advance(10_000);
    assert!(!startup_calls(&q).contains(&StartupCall::CheckLoginWindow));
    fact(&mut q, StartupInput::LoginWindow { null: true });
    assert_eq!(shown(&q).1, CcpStatus::Ready);

    // Access denied is not a sign-in failure; with loginPopup off nothing is looked at either.
    let mut r = ccp_started(json!({"ccpUrl": CCP, "loginPopup": "false"}));
    fact(&mut r, StartupInput::Ccp(CcpEvent::AuthFail));
    fact(&mut r, StartupInput::Ccp(CcpEvent::AccessDenied));
    r.advance(10_000);
    assert!(!startup_calls(&r).contains(&StartupCall::CheckLoginWindow));
}

/// Streams leaves `connect.core.loginWindow` `null` after closing a pop-up itself (auto-close after an earlier
/// sign-in), and a tab whose pop-up another tab holds never writes it again: only a `null` written after the
/// failure is a refused pop-up.
#[test]
fn a_login_pop_up_field_already_null_as_the_sign_in_fails_is_not_a_refused_pop_up() {
    for (null_at_failure, blocked) in [(true, false), (false, true)] {
        let mut p = ccp_started(json!({"ccpUrl": CCP}));
        fact(&mut p, StartupInput::Ccp(CcpEvent::Terminated));
        assert!(startup_calls(&p).contains(&StartupCall::NoteLoginWindow));
        let failed = shown(&p).1;
        fact(&mut p, StartupInput::LoginWindowNoted { null: null_at_failure });
        p.advance(5_500);
        assert!(startup_calls(&p).contains(&StartupCall::CheckLoginWindow));
        fact(&mut p, StartupInput::LoginWindow { null: true });
        let expected = if blocked {
            CcpStatus::Failed(CcpFailure::LoginPopupBlocked.message())
        } else {
            failed
        };
        assert_eq!(shown(&p).1, expected, "null at the failure: {null_at_failure}");
    }
}

/// A second sign-in failure (Streams reports `AuthFail` again, or `Terminated`) after the browser refused the
/// login pop-up that the first failure opened: the field is `null` by then because of that refusal, not because
/// of an old pop-up Streams closed. What the field held at the first failure stays the reference until the
/// check, or the refused pop-up is never named and the agent is never told to allow pop-ups.
#[test]
fn a_second_sign_in_failure_after_the_pop_up_was_refused_still_names_the_refused_pop_up() {
    for second in [CcpEvent::AuthFail, CcpEvent::Terminated] {
        let mut p = ccp_started(json!({"ccpUrl": CCP}));
        fact(&mut p, StartupInput::Ccp(CcpEvent::AuthFail));
        fact(&mut p, StartupInput::LoginWindowNoted { null: false });
        // Streams' window.open, ccpAckTimeout (3 s) after the failure, is refused: the field becomes null.
        p.advance(4_000);
        fact(&mut p, StartupInput::Ccp(second));
        if startup_calls(&p)
            .iter()
            .filter(|c| **c == StartupCall::NoteLoginWindow)
            .count()
            > 1
        {
            fact(&mut p, StartupInput::LoginWindowNoted { null: true });
        }
        p.advance(10_000);
        assert!(startup_calls(&p).contains(&StartupCall::CheckLoginWindow));
        fact(&mut p, StartupInput::LoginWindow { null: true });
        assert_eq!(
            shown(&p).1,
            CcpStatus::Failed(CcpFailure::LoginPopupBlocked.message()),
            "second failure {second:?}"
        );
    }
}

#[test]
fn a_login_pop_up_check_from_before_a_retry_does_not_reword_the_new_failure() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    fact(&mut p, StartupInput::Ccp(CcpEvent::AuthFail));
    p.advance(1_000);
    fact(&mut p, StartupInput::RetryClicked);
    fact(&mut p, StartupInput::Ccp(CcpEvent::IframeRetriesExhausted));
    let failed = shown(&p).1;
    assert_eq!(failed, CcpStatus::Failed(CcpFailure::IframeRetriesExhausted.message()));
    p.advance(10_000);
    assert!(
        !startup_calls(&p).contains(&StartupCall::CheckLoginWindow),
        "the check belonged to the CCP before the retry"
    );
    assert_eq!(shown(&p).1, failed);
}

#[test]
fn a_ccp_that_answered_with_a_failure_is_not_said_to_be_not_answering() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut p, StartupInput::Ccp(CcpEvent::AccessDenied));
    p.advance(60_000);
    assert!(!p.report_codes().contains(&"ccp.not_answering"));
    assert_eq!(shown(&p).1, CcpStatus::Failed(CcpFailure::AccessDenied.message()));
}

#[test]
fn failed_streams_subscriptions_are_worded_by_the_core() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    fact(
        &mut p,
        StartupInput::StreamsSubscriptionsFailed {
            detail: "connect.contact: TypeError: x".into(),
        },
    );
    assert_eq!(
        errors(&p),
        ["Amazon Connect Streams subscriptions failed: connect.contact: TypeError: x"]
    );
    assert!(p.report_codes().contains(&"streams.subscriptions_failed"));
    assert_eq!(shown(&p).1, CcpStatus::Loading, "the CCP itself may still come up");
}

#[test]
fn a_failover_is_shown_and_changes_nothing_else() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    fact(&mut p, StartupInput::Ccp(CcpEvent::FailoverDetected));
    assert_eq!(shown(&p).1, CcpStatus::FailedOver);
    assert!(!shown(&p).1.offers_retry());
    assert!(CcpStatus::NotAnswering(String::new()).offers_retry());
    // Streams initialises the CCP anew in the other region: the line keeps saying where it runs.
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    assert_eq!(shown(&p).1, CcpStatus::FailedOver);
}

#[test]
fn status_parts_are_emitted_only_when_they_change() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    // The page starts at "connecting…" and "loading…": nothing to say yet.
    assert_eq!(statuses(&p), []);
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    assert_eq!(statuses(&p), [StatusView::Ccp(CcpStatus::Ready)]);

    // The focus summary: once when the agent looks at the contact's session, once when they look away.
    let mut q = Pair::default_ready();
    q.ring(CONTACT_ID, Scenario::Single);
    q.accept_toast();
    q.can_create();
    q.session_created("session-1");
    q.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "session-1", "focused": true}),
    );
    q.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "session-1", "focused": true}),
    );
    let focus: Vec<StatusView> = statuses(&q);
    assert_eq!(focus.len(), 1, "{focus:?}");
    let StatusView::Focus(FocusStatus::Contact(summary)) = &focus[0] else {
        panic!("{focus:?}")
    };
    assert!(summary.starts_with("voice with M…"), "{summary}");
    assert!(!summary.contains("Maria"), "no personal data: {summary}");
    q.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "session-elsewhere", "focused": true}),
    );
    assert_eq!(statuses(&q).last(), Some(&StatusView::Focus(FocusStatus::NoContact)));
    assert_eq!(statuses(&q).len(), 2);
}

#[test]
fn status_texts_are_what_the_agent_reads() {
    assert_eq!(DynamicsStatus::Connecting.text(), "connecting…");
    assert_eq!(DynamicsStatus::NotConnected("x".into()).text(), "not connected (x)");
    assert_eq!(CcpStatus::Loading.text(), "loading…");
    assert_eq!(CcpStatus::Failed("y".into()).text(), "failed: y");
    assert_eq!(CcpStatus::NotAnswering("z".into()).text(), "not answering: z");
    assert_eq!(
        CcpStatus::WaitingForConfig.text(),
        "waiting for configuration from Dynamics…"
    );
    assert_eq!(FocusStatus::default().text(), "no contact");
    assert_eq!(FocusStatus::default().tone(), status::Tone::Pending);
    let looking = FocusStatus::of(Some("chat with M… (contact …950e)".into()));
    assert_eq!(looking.text(), "chat with M… (contact …950e)");
    assert_eq!(looking.tone(), status::Tone::Ok);
    assert_eq!(FocusStatus::of(None), FocusStatus::NoContact);
}

#[test]
fn the_ccp_is_started_with_the_configured_streams_console_level() {
    let p = ccp_started(json!({"ccpUrl": CCP}));
    assert_eq!(
        init_ccps(&p)
            .iter()
            .map(|c| c.streams_console_level)
            .collect::<Vec<_>>(),
        ["WARN"]
    );
    let p = ccp_started(json!({"ccpUrl": CCP, "streamsConsoleLevel": "info"}));
    let started = init_ccps(&p);
    assert_eq!(
        started.iter().map(|c| c.streams_console_level).collect::<Vec<_>>(),
        ["INFO"]
    );
    // Not an initCCP parameter: Streams is told through its logger instead.
    let json = serde_json::to_value(&started[0]).unwrap_or_default();
    assert!(json.get("streamsConsoleLevel").is_none(), "{json}");
}

/// Streams is restarted (Retry) while a contact rings; the new Streams no longer has it (the caller hung up
/// meanwhile) and never destroys it: it is released within restoredContactGraceMs and its toast withdrawn. A
/// contact the new Streams delivers again carries on.
#[test]
fn contacts_the_restarted_ccp_does_not_deliver_again_are_released_and_their_toasts_withdrawn() {
    let mut p = Pair::default_ready();
    p.ring("gone-1", Scenario::Single);
    p.ring("kept-1", Scenario::Multi);
    p.input(Input::Startup(StartupInput::Ccp(CcpEvent::Terminated)));
    p.input(Input::Startup(StartupInput::RetryClicked));
    p.input(Input::Startup(StartupInput::Ccp(CcpEvent::Initialized)));
    p.event(
        "kept-1",
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Multi)),
    );
    p.advance(60_000);
    assert_eq!(p.bridge.contact_state("gone-1"), None, "released");
    assert_eq!(p.bridge.contact_state("kept-1"), Some("Notifying"));
    let cancelled: Vec<_> = p.all("cancelEvent").into_iter().map(|(_, c, _)| c).collect();
    assert_eq!(cancelled, vec![ContactId::parse("gone-1")]);
    assert_eq!(p.bridge.debug_counts().contacts, 1);
}

/// After a CCP Retry, contacts the new Streams does not deliver again are released `restoredContactGraceMs` after
/// the new CCP answered, not after the click: Retry follows sign-in failures, and signing in again may take longer
/// than that. A live chat delivered by the new CCP is still the agent's.
#[test]
fn a_retry_keeps_live_contacts_however_long_the_new_sign_in_takes() {
    let mut p = Pair::default_ready();
    let chat = || snapshot("chat", "connected", Some(true), seed_attributes(Scenario::Single));
    p.event("chat-1", ContactEventKind::Connected, Some(chat()));
    p.can_create();
    p.session_created("s1");
    assert_eq!(p.bridge.contact_state("chat-1"), Some("Popped"));
    p.input(Input::Startup(StartupInput::Ccp(CcpEvent::AuthFail)));
    p.input(Input::Startup(StartupInput::RetryClicked));
    // The agent signs in again in the login pop-up: 70 s.
    p.advance(70_000);
    p.input(Input::Startup(StartupInput::Ccp(CcpEvent::Initialized)));
    p.event("chat-1", ContactEventKind::Existing, Some(chat()));
    assert_eq!(
        p.bridge.contact_state("chat-1"),
        Some("Popped"),
        "the agent's live chat, delivered by the new CCP, is still theirs"
    );
}

/// §1 "an invalid value is a clear error … naming the key, the value" and §4 "a bounded … trace": every other
/// refused value is quoted as a short excerpt (`ConfigError::value`: "The refused value, truncated"). A refused
/// `ccpUrl` is too, in the errors box and the trace: a crafted link's 200 kB value costs a short error line and
/// a short trace entry.
#[test]
fn a_refused_ccp_url_is_quoted_as_an_excerpt() {
    let huge = format!("javascript:alert(1)//{}", "A".repeat(200_000));
    let layers = vec![layer(ConfigSource::Url, json!({"ccpUrl": huge}))];
    let (config, _) = Config::resolve(&layers);
    let mut p = Pair::new(config);
    fact(
        &mut p,
        StartupInput::Begin {
            layers,
            cif_library: CifLibrary::FromConfig,
        },
    );
    let errors = errors(&p);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`ccpUrl`: value \"javascript:alert(1)//AAA")),
        "{errors:?}"
    );
    let longest_error = errors.iter().map(String::len).max().unwrap_or_default();
    assert!(longest_error < 2_000, "an error line of {longest_error} bytes");
    assert!(
        p.bridge.export_trace().len() < 20_000,
        "trace of {} bytes",
        p.bridge.export_trace().len()
    );
}

/// §4: `onAuthFail` "reported with their real cause and what to do". With `loginPopup` false Streams opens no
/// login pop-up at all: the status line neither sends the agent to that pop-up nor blames the browser for
/// blocking it (allowing pop-ups would change nothing), and no look for a blocked pop-up is made; it says to sign
/// in to Amazon Connect in another browser tab, then Retry. The same for a session that ended.
#[test]
fn auth_fail_with_the_login_pop_up_off_sends_the_agent_to_another_tab_not_to_a_pop_up() {
    for event in [CcpEvent::AuthFail, CcpEvent::Terminated] {
        let mut p = ccp_started(json!({"ccpUrl": CCP, "loginPopup": "false"}));
        fact(&mut p, StartupInput::Ccp(event));
        p.advance(10_000);
        let text = shown(&p).1.text();
        assert!(
            !text.contains("pop-up icon")
                && !text.contains("allow pop-ups")
                && !text.contains("the Connect login pop-up"),
            "with loginPopup off no pop-up is ever opened: {text}"
        );
        assert!(text.contains("another browser tab") && text.contains("Retry"), "{text}");
        assert!(!startup_calls(&p).contains(&StartupCall::CheckLoginWindow));
        let reported = p
            .reports()
            .into_iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            reported.contains("another browser tab") && !reported.contains("allow pop-ups"),
            "{reported}"
        );
    }
}

/// §4: failover "visible on the status line" — and only while true. After Retry the CCP is started afresh
/// (`terminate`, new iframe, `initCCP`): once it answers without a failover of its own, the line says `ready`,
/// and a failover it reports is shown again.
#[test]
fn after_retry_the_status_line_no_longer_shows_an_old_failover() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    fact(&mut p, StartupInput::Ccp(CcpEvent::FailoverDetected));
    assert_eq!(shown(&p).1, CcpStatus::FailedOver);
    fact(&mut p, StartupInput::Ccp(CcpEvent::Terminated));
    fact(&mut p, StartupInput::RetryClicked);
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    assert_eq!(shown(&p).1, CcpStatus::Ready, "a fresh CCP, no failover since");
    fact(&mut p, StartupInput::Ccp(CcpEvent::FailoverDetected));
    assert_eq!(shown(&p).1, CcpStatus::FailedOver);
}

/// README *Configuration*: Custom Parameters that come after the CCP started "apply after Retry or the next
/// load, and the console says which with `config.ccp_keys_late`". `ccpLoadTimeoutMs` is an `initCCP` parameter
/// (`ccpLoadTimeout`) like the others: a late one is named, and the CCP a Retry starts gets it.
#[test]
fn a_late_ccp_load_timeout_from_custom_parameters_is_named_and_applies_after_retry() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    cif_comes_up(&mut p, Some(json!({"ccpLoadTimeoutMs": 30000})));
    assert_eq!(p.bridge.config().ccp_load_timeout_ms, Some(30_000));
    let late = p
        .reports()
        .into_iter()
        .find(|r| r.code == "config.ccp_keys_late")
        .map(|r| r.message.clone());
    assert!(
        late.as_deref().is_some_and(|m| m.contains("ccpLoadTimeoutMs")),
        "late ccpLoadTimeoutMs not named: {late:?}"
    );
    fact(&mut p, StartupInput::Ccp(CcpEvent::IframeRetriesExhausted));
    fact(&mut p, StartupInput::RetryClicked);
    let params = init_ccps(&p);
    assert_eq!(params.len(), 2);
    assert_eq!(params[0].ccp_load_timeout, None);
    assert_eq!(params[1].ccp_load_timeout, Some(30_000));
}

/// "A status line that lies": a `ucilib` (or `crmUrl`) that was given but refused (plain http to another host) is
/// said to be refused, pointing to the errors box that says why — not `no ucilib or crmUrl configured`, which
/// sends the admin looking for a missing key; the same distinction `ccpUrl` makes ("missing" vs "refused").
#[test]
fn a_refused_ucilib_is_called_refused_not_unconfigured_on_the_status_line() {
    for (given, key) in [
        (
            json!({"ucilib": "http://org.crm4.dynamics.com/webresources/Widget/msdyn_ciLibrary.js"}),
            "ucilib",
        ),
        (json!({"crmUrl": "http://org.crm4.dynamics.com/"}), "crmUrl"),
        (json!({"crmurl": "http://org.crm4.dynamics.com/"}), "crmUrl"),
    ] {
        let mut values = given.as_object().cloned().unwrap_or_default();
        values.insert("ccpUrl".into(), json!(CCP));
        let layers = vec![layer(ConfigSource::Url, Value::Object(values))];
        let (config, errors) = Config::resolve(&layers);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let mut p = Pair::new(config);
        fact(
            &mut p,
            StartupInput::Begin {
                layers,
                cif_library: CifLibrary::FromConfig,
            },
        );
        let text = shown(&p).0.text();
        assert_eq!(
            text,
            format!("not connected (the configured {key} was refused: see the errors box)")
        );
    }
    // Nothing given at all is still said so.
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::FromConfig);
    p.advance(0);
    assert_eq!(shown(&p).0.text(), "not connected (no ucilib or crmUrl configured)");
}

/// §1: without CIF "nothing is retried forever": a contact offered while Dynamics is not connected costs no CIF
/// call at all, however long the page stays open.
#[test]
fn without_cif_a_ringing_contact_costs_no_cif_calls() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    p.advance(20_000); // cifInitTimeoutMs: Dynamics is not connected
    p.ring(CONTACT_ID, Scenario::Single);
    p.advance(3_600_000);
    assert_eq!(cif_methods(&p), Vec::<&str>::new());
}

fn agent_available(p: &mut Pair) {
    p.input(Input::Agent(AgentEvent {
        state_name: "Available".into(),
        state_type: "routable".into(),
    }));
}

/// §4 `onAuthFail` / the Connect session ending, and "a status line that keeps an error after recovery".
/// Streams fires `onInitialized` once per `initCCP`: its ACKNOWLEDGE handler unsubscribes itself after the first
/// ACK (connect-streams.js 2.28.2, `conduit.onUpstream(ACKNOWLEDGE, …) { … this.unsubscribe(); …
/// trigger(INIT) }`). After a sign-in that expired mid-shift, Streams re-authenticates by itself (login pop-up,
/// iframe refresh: `setupAuthenticationEventHandlers`) and the CCP works again without a second
/// `onInitialized`: a new contact offered is what ends the failure on the status line.
#[test]
fn the_ccp_status_recovers_when_streams_offers_a_contact_after_signing_in_again() {
    for failure in [CcpEvent::Terminated, CcpEvent::AuthFail] {
        let mut p = ccp_started(json!({"ccpUrl": CCP}));
        fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
        fact(&mut p, StartupInput::Ccp(failure));
        assert!(matches!(shown(&p).1, CcpStatus::Failed(_)));
        p.advance(10_000);
        // The agent's state alone proves nothing: Streams may replay what it knew.
        agent_available(&mut p);
        assert!(matches!(shown(&p).1, CcpStatus::Failed(_)), "{failure:?}");
        p.event(
            CONTACT_ID,
            ContactEventKind::Connecting,
            Some(voice("connecting", Scenario::Single)),
        );
        assert_eq!(shown(&p).1, CcpStatus::Ready, "{failure:?}");
        assert!(p.report_codes().contains(&"ccp.signed_in_again"));
    }
    // A failover shown before stays shown.
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    fact(&mut p, StartupInput::Ccp(CcpEvent::FailoverDetected));
    fact(&mut p, StartupInput::Ccp(CcpEvent::Terminated));
    p.advance(10_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(voice("connecting", Scenario::Single)),
    );
    assert_eq!(shown(&p).1, CcpStatus::FailedOver);
}

/// Only a sign-in failure ends by a new contact, and only one offered after it: a contact Streams had queued when
/// the session ended, or one the page already held, proves nothing, and after access denied or Streams giving up
/// on the frame the CCP stays failed until Retry.
#[test]
fn contacts_do_not_clear_other_failures_or_one_just_reported() {
    let mut p = ccp_started(json!({"ccpUrl": CCP}));
    fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
    p.event(
        "held-before",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    fact(&mut p, StartupInput::Ccp(CcpEvent::Terminated));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(voice("connecting", Scenario::Single)),
    );
    assert!(
        matches!(shown(&p).1, CcpStatus::Failed(_)),
        "a contact queued before the end"
    );
    p.advance(10_000);
    p.event(
        "held-before",
        ContactEventKind::Refresh,
        Some(voice("connected", Scenario::Single)),
    );
    assert!(
        matches!(shown(&p).1, CcpStatus::Failed(_)),
        "a contact the page already held"
    );
    for failure in [CcpEvent::AccessDenied, CcpEvent::IframeRetriesExhausted] {
        let mut p = ccp_started(json!({"ccpUrl": CCP}));
        fact(&mut p, StartupInput::Ccp(CcpEvent::Initialized));
        fact(&mut p, StartupInput::Ccp(failure));
        p.advance(10_000);
        p.event(
            CONTACT_ID,
            ContactEventKind::Connecting,
            Some(voice("connecting", Scenario::Single)),
        );
        assert!(matches!(shown(&p).1, CcpStatus::Failed(_)), "{failure:?}");
        assert!(!p.report_codes().contains(&"ccp.signed_in_again"));
    }
}

/// `attributeNames` may come from Custom Parameters (README, *Configuration*). When Dynamics is slow to answer
/// `getEnvironment`, the CCP starts without them after 3 s and Streams delivers a ringing contact: once they
/// arrive, that contact's attributes are read again under the configured names, so its toast and its pop use
/// what the flow wrote (its notification template, its single match) rather than what the default names find.
#[test]
fn attribute_names_from_custom_parameters_apply_to_a_contact_delivered_before_them() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    fact(&mut p, StartupInput::CifInitDone);
    p.advance(3_000);
    assert_eq!(init_ccps(&p).len(), 1, "the CCP started without Custom Parameters");
    let attributes = attrs(&[
        ("crm_lookup", "SingleMatch"),
        ("crm_notify", "extn_vip_notification"),
        ("crm_contact", CUSTOMER_ID),
        ("ms_customer_entity_name", "contact"),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), attributes)),
    );
    let names = json!({"lookupStatus": "crm_lookup", "notifyTemplate": "crm_notify", "contactId": "crm_contact"});
    let env = json!({"customParams": json!({"attributeNames": names, "customerRecordTab": "tab"}).to_string()});
    let request = p.req("getEnvironment");
    p.resolve(request, Value::String(env.to_string()));
    let (_, _, _, notify) = p.last("notifyEvent");
    assert_eq!(
        describe(&Command::Cif {
            request,
            contact: None,
            correlation_id: String::new(),
            call: notify.clone()
        })
        .as_deref(),
        Some("notifyEvent extn_vip_notification"),
        "the flow's template, under its configured attribute name"
    );
    assert_eq!(params(&notify).get("crm_contact"), Some(&json!(CUSTOMER_ID)));
    assert!(!p.report_codes().contains(&"slug.invalid"), "{:?}", p.report_codes());
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    let (_, _, _, tab) = p.last("createTab");
    assert_eq!(
        params(&tab).get("entityId"),
        Some(&json!(CUSTOMER_ID)),
        "the customer, not a search"
    );
}

/// §4 click-to-dial needs `setClickToAct(true)`, which only switches a flag: a failure (CIF's own time limit,
/// which hosts give right after handler registration, as a `Map`; any other rejection) is retried like any call
/// without side effects, up to `cifRetryAttempts` with backoff, so that one bad moment at start-up does not leave
/// click-to-dial off for the whole day. Given up, the agent's console says why in words, not as a debug dump.
#[test]
fn a_failed_set_click_to_act_is_retried_with_backoff_then_reported_once() {
    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    cif_comes_up(&mut p, None);
    let count = |p: &Pair| p.all("setClickToAct").len();
    assert_eq!(count(&p), 1);
    let first = p.req("setClickToAct");
    p.reject_time_limit(first, "setClickToAct");
    assert_eq!(count(&p), 1, "not at once");
    p.advance(500);
    assert_eq!(count(&p), 2, "retried after cifRetryBackoffMs");
    let second = p.req("setClickToAct");
    p.resolve(second, json!(true));
    p.advance(60_000);
    assert_eq!(count(&p), 2, "done once it succeeded");
    assert!(!p.report_codes().contains(&"cif.setClickToAct.failed"));

    let mut p = begin_with(json!({"ccpUrl": CCP}), CifLibrary::AlreadyLoaded);
    cif_comes_up(&mut p, None);
    for _ in 0..4 {
        let r = p.req("setClickToAct");
        p.reject(
            r,
            json!({"message": "RejectAfterClientError", "msdyn_name": "SetClickToAct"}),
        );
        p.advance(30_000);
    }
    assert_eq!(count(&p), 4, "the first call and cifRetryAttempts (3) retries");
    let failed: Vec<_> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "cif.setClickToAct.failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].message.contains("RejectAfterClientError") && !failed[0].message.contains("Rejected("),
        "{}",
        failed[0].message
    );
}
