//! §3.13: tasks (and odd snapshots) never break the core.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;

#[test]
fn item_13_task_contacts_notify_and_pop_with_task_templates() {
    let mut p = Pair::default_ready();
    // A task has no phone number and may come without a queue or direction.
    let task = |state: &str| ContactSnapshot {
        channel: "task".into(),
        state: state.into(),
        inbound: None,
        queue_name: None,
        phone_number: None,
        customer_name: Some("Follow up order 42".into()),
        attributes: serde_json::json!({}),
        ..Default::default()
    };
    p.event("task-1", ContactEventKind::Incoming, Some(task("incoming")));
    assert_eq!(p.take(), vec!["notifyEvent extn_task_notification"]);
    p.accept_toast();
    p.can_create();
    assert_eq!(
        p.take(),
        vec!["streams Accept", "canCreateSession", "createSession extn_task_session"]
    );
    p.session_created("s-task");
    // No search text and no customer id: no tab to open, nothing invented.
    assert_eq!(p.take(), Vec::<String>::new());
}

#[test]
fn item_13_task_events_without_snapshot_are_harmless() {
    let mut p = Pair::default_ready();
    p.event("task-2", ContactEventKind::Refresh, None);
    p.event("task-2", ContactEventKind::Destroyed, None);
    p.event("", ContactEventKind::Incoming, None);
    assert_eq!(p.take(), Vec::<String>::new());
    assert!(p.report_codes().contains(&"contact.id.invalid"));
}
