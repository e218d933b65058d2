//! The slug data contract (spec §2): contact attributes parsed into typed values.
//!
//! Parse, don't validate: [`SlugData::parse`] turns whatever Streams returned for `getAttributes()` into
//! fields that are each an `Option` of a type that can only hold a valid value ([`Guid`], [`LogicalName`],
//! [`TemplateName`], [`LookupStatus`], cleaned text). A bad `ms_contact_id` loses only that field, with a
//! [`SlugError`] naming the contact, the attribute, the value and what was expected, and the engine falls
//! back (search instead of a record tab, default template instead of the flow's).

use std::fmt;

use serde_json::{Map, Value};

use crate::ids::ContactId;
use crate::redact::Redacted;
use crate::text;

/// Longest customer name kept (a session title is at most 200 characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest call reason kept (it may be a transcript).
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest search text kept.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Longest raw string looked at for an identifier-like value; anything longer is refused unread.
const MAX_TOKEN_CHARS: usize = 256;

/// A Dataverse record id, normalised to lowercase `8-4-4-4-12` hex without braces.
///
/// Only a `Guid` can become a record tab's `entityId`, so an invalid id can never open an arbitrary record. The
/// all-zero GUID is not one: Dataverse never gives it to a record, and a flow writes it for "no record" (an empty
/// `Guid` in a Lambda's answer), so a record tab opened with it shows "record not found" instead of a search.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(String);

impl Guid {
    /// Accepts `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in any case, optionally in braces, surrounding spaces
    /// tolerated; never the all-zero GUID (see [`Guid::is_nil_text`]).
    pub fn parse(raw: &str) -> Option<Guid> {
        if raw.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let s = raw.trim();
        let s = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(s);
        let bytes = s.as_bytes();
        if bytes.len() != 36 {
            return None;
        }
        let ok = bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
        (ok && !Guid::is_nil_text(s)).then(|| Guid(s.to_ascii_lowercase()))
    }

    /// Whether `raw` is the all-zero GUID (`00000000-0000-0000-0000-000000000000`, braces and spaces aside), which
    /// names no record: refused by [`Guid::parse`] with its own reason.
    pub fn is_nil_text(raw: &str) -> bool {
        let s = raw.trim();
        let s = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(s);
        s == "00000000-0000-0000-0000-000000000000"
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Dataverse entity logical name (`^[a-z][a-z0-9_]{0,63}$`), safe in a query and in a tab parameter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogicalName(String);

impl LogicalName {
    /// Accepts `^[a-z][a-z0-9_]{0,63}$` (surrounding spaces tolerated).
    pub fn parse(raw: &str) -> Option<LogicalName> {
        if raw.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let s = raw.trim();
        let b = s.as_bytes();
        let ok = !b.is_empty()
            && b.len() <= 64
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
        ok.then(|| LogicalName(s.to_owned()))
    }

    /// A name known to be valid at compile time (used for built-in fallbacks such as `contact`).
    pub(crate) fn known(name: &'static str) -> LogicalName {
        LogicalName(name.to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogicalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A template unique name: `<prefix>_<name>`, prefix 3–8 alphanumerics (`^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TemplateName(String);

impl TemplateName {
    /// Accepts `^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$` (surrounding spaces tolerated), at most 100 characters.
    pub fn parse(raw: &str) -> Option<TemplateName> {
        if raw.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let s = raw.trim();
        let b = s.as_bytes();
        let prefix = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        let ok = (3..=8).contains(&prefix)
            && b.len() > prefix + 1
            && b.len() <= 100
            && b[prefix] == b'_'
            && b[prefix + 1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
        ok.then(|| TemplateName(s.to_owned()))
    }

    /// A name known to be valid at compile time (the built-in defaults).
    pub(crate) fn known(name: &'static str) -> TemplateName {
        TemplateName(name.to_owned())
    }

    /// The unique name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The contact flow's customer lookup outcome; only `SingleMatch` lets customer ids reach Dynamics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupStatus {
    /// Exactly one customer matched: the customer record can be shown.
    SingleMatch,
    /// Several matched: search.
    MultiMatch,
    /// None matched: search.
    NoMatch,
    /// Any other value: treated like no match.
    Unknown,
}

impl LookupStatus {
    /// `SingleMatch` / `MultiMatch` / `NoMatch` exactly as the slug table spells them (surrounding blanks
    /// aside), else `Unknown`: a single match unlocks a customer record, so a near-miss spelling searches.
    pub fn parse(raw: &str) -> LookupStatus {
        match raw.trim() {
            "SingleMatch" => LookupStatus::SingleMatch,
            "MultiMatch" => LookupStatus::MultiMatch,
            "NoMatch" => LookupStatus::NoMatch,
            _ => LookupStatus::Unknown,
        }
    }

    /// The canonical spelling, or `None` for `Unknown`.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            LookupStatus::SingleMatch => Some("SingleMatch"),
            LookupStatus::MultiMatch => Some("MultiMatch"),
            LookupStatus::NoMatch => Some("NoMatch"),
            LookupStatus::Unknown => None,
        }
    }
}

/// One slug attribute the bridge understands; its attribute name comes from [`AttributeNames`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SlugField {
    /// `ms_customer_entity_name`.
    CustomerEntityName,
    /// `ms_contact_id`.
    ContactId,
    /// `ms_id`.
    Id,
    /// `ms_customer_name`.
    CustomerName,
    /// `ms_account_id`.
    AccountId,
    /// `LookupStatus`.
    LookupStatus,
    /// `LookupSatus` (the seed's spelling), read when `LookupStatus` is absent or not one of the three values: a
    /// flow may write its raw lookup outcome to one and the mapped value to the other.
    LookupStatusFallback,
    /// `ms_session_template`.
    SessionTemplate,
    /// `ms_notify_template`.
    NotifyTemplate,
    /// `CallReason`.
    CallReason,
    /// `ms_searchType`.
    SearchType,
    /// `ms_searchText`.
    SearchText,
    /// `CreateTimeline`.
    CreateTimeline,
    /// `ms_activity_id`.
    ActivityId,
    /// `ms_entityrecord_entity_name`.
    EntityRecordEntityName,
    /// `ms_entityrecord_record_id`.
    EntityRecordRecordId,
}

/// What a slug field must look like (for parsing and for the "expected" part of an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Guid,
    Logical,
    Template,
    Lookup,
    Bool,
    Text { cap: usize },
}

impl FieldKind {
    fn expected(self) -> &'static str {
        match self {
            FieldKind::Guid => "a GUID (8-4-4-4-12 hex digits, braces optional)",
            FieldKind::Logical => "a Dataverse logical name (^[a-z][a-z0-9_]{0,63}$)",
            FieldKind::Template => "a template unique name (^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$)",
            FieldKind::Lookup => "SingleMatch, MultiMatch or NoMatch",
            FieldKind::Bool => "true or false",
            FieldKind::Text { .. } => "text",
        }
    }
}

impl SlugField {
    /// Every field, in the order of the spec's table.
    pub const ALL: [SlugField; 16] = [
        SlugField::CustomerEntityName,
        SlugField::ContactId,
        SlugField::Id,
        SlugField::CustomerName,
        SlugField::AccountId,
        SlugField::LookupStatus,
        SlugField::LookupStatusFallback,
        SlugField::SessionTemplate,
        SlugField::NotifyTemplate,
        SlugField::CallReason,
        SlugField::SearchType,
        SlugField::SearchText,
        SlugField::CreateTimeline,
        SlugField::ActivityId,
        SlugField::EntityRecordEntityName,
        SlugField::EntityRecordRecordId,
    ];

    /// The configuration key of this field inside `attributeNames` (camelCase logical name).
    pub fn config_key(self) -> &'static str {
        match self {
            SlugField::CustomerEntityName => "customerEntityName",
            SlugField::ContactId => "contactId",
            SlugField::Id => "id",
            SlugField::CustomerName => "customerName",
            SlugField::AccountId => "accountId",
            SlugField::LookupStatus => "lookupStatus",
            SlugField::LookupStatusFallback => "lookupStatusFallback",
            SlugField::SessionTemplate => "sessionTemplate",
            SlugField::NotifyTemplate => "notifyTemplate",
            SlugField::CallReason => "callReason",
            SlugField::SearchType => "searchType",
            SlugField::SearchText => "searchText",
            SlugField::CreateTimeline => "createTimeline",
            SlugField::ActivityId => "activityId",
            SlugField::EntityRecordEntityName => "entityRecordEntityName",
            SlugField::EntityRecordRecordId => "entityRecordRecordId",
        }
    }

    /// The attribute name of the spec's table (the default of [`AttributeNames`]).
    pub fn default_attribute(self) -> &'static str {
        match self {
            SlugField::CustomerEntityName => "ms_customer_entity_name",
            SlugField::ContactId => "ms_contact_id",
            SlugField::Id => "ms_id",
            SlugField::CustomerName => "ms_customer_name",
            SlugField::AccountId => "ms_account_id",
            SlugField::LookupStatus => "LookupStatus",
            SlugField::LookupStatusFallback => "LookupSatus",
            SlugField::SessionTemplate => "ms_session_template",
            SlugField::NotifyTemplate => "ms_notify_template",
            SlugField::CallReason => "CallReason",
            SlugField::SearchType => "ms_searchType",
            SlugField::SearchText => "ms_searchText",
            SlugField::CreateTimeline => "CreateTimeline",
            SlugField::ActivityId => "ms_activity_id",
            SlugField::EntityRecordEntityName => "ms_entityrecord_entity_name",
            SlugField::EntityRecordRecordId => "ms_entityrecord_record_id",
        }
    }

    fn kind(self) -> FieldKind {
        match self {
            SlugField::ContactId
            | SlugField::Id
            | SlugField::AccountId
            | SlugField::ActivityId
            | SlugField::EntityRecordRecordId => FieldKind::Guid,
            SlugField::CustomerEntityName | SlugField::SearchType | SlugField::EntityRecordEntityName => {
                FieldKind::Logical
            }
            SlugField::SessionTemplate | SlugField::NotifyTemplate => FieldKind::Template,
            SlugField::LookupStatus | SlugField::LookupStatusFallback => FieldKind::Lookup,
            SlugField::CreateTimeline => FieldKind::Bool,
            SlugField::CustomerName => FieldKind::Text { cap: MAX_NAME_CHARS },
            SlugField::CallReason => FieldKind::Text { cap: MAX_REASON_CHARS },
            SlugField::SearchText => FieldKind::Text { cap: MAX_SEARCH_CHARS },
        }
    }

    /// Whether the value may be personal data, so reports show `[redacted]` instead of it.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            SlugField::CustomerName | SlugField::CallReason | SlugField::SearchText
        )
    }

    /// The field whose `attributeNames` key is `key`.
    pub fn from_config_key(key: &str) -> Option<SlugField> {
        SlugField::ALL.into_iter().find(|f| f.config_key() == key)
    }
}

/// Logical field → contact attribute name (configuration key `attributeNames`).
///
/// Contact flows differ between customers; renaming an attribute must not need a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeNames {
    names: [String; 16],
}

impl Default for AttributeNames {
    fn default() -> Self {
        AttributeNames {
            names: SlugField::ALL.map(|f| f.default_attribute().to_owned()),
        }
    }
}

impl AttributeNames {
    /// The attribute name read for `field`.
    pub fn get(&self, field: SlugField) -> &str {
        &self.names[field as usize]
    }

    /// Renames the attribute read for `field`.
    pub fn set(&mut self, field: SlugField, name: String) {
        self.names[field as usize] = name;
    }
}

/// Why one attribute (or the whole attribute set) was refused or altered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugProblem {
    /// `getAttributes()` was not an object; every slug field is absent.
    NotAnObject,
    /// The entry was not `{name, value}` with a string value.
    NotAString {
        /// The JSON kind found instead.
        found: &'static str,
    },
    /// The string did not have the expected form; the field is absent.
    Invalid {
        /// What was expected.
        expected: &'static str,
    },
    /// The text was longer than the cap; the first `cap` characters are used.
    Truncated {
        /// The cap, in characters.
        cap: usize,
    },
}

/// One slug problem, naming the contact, the attribute and (truncated, redacted when personal) the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlugError {
    /// The contact whose attributes these were.
    pub contact: ContactId,
    /// The attribute name (`*` for the attribute set as a whole).
    pub attribute: String,
    /// The refused value: an excerpt, or `[redacted]` for personal fields.
    pub value: String,
    /// What was wrong.
    pub problem: SlugProblem,
}

impl fmt::Display for SlugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            SlugProblem::NotAnObject => write!(
                f,
                "contact {}: attributes refused ({}): expected an object of {{name, value}} entries",
                self.contact, self.value
            ),
            SlugProblem::NotAString { found } => write!(
                f,
                "contact {}: attribute `{}` refused ({found}): expected {{name, value}} with a string value",
                self.contact, self.attribute
            ),
            SlugProblem::Invalid { expected } => write!(
                f,
                "contact {}: attribute `{}` value {:?} refused: expected {expected}",
                self.contact, self.attribute, self.value
            ),
            SlugProblem::Truncated { cap } => write!(
                f,
                "contact {}: attribute `{}` value {:?} too long: cut to {cap} characters",
                self.contact, self.attribute, self.value
            ),
        }
    }
}

/// The typed slug data of one contact. Every field is absent unless its attribute was present and valid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlugData {
    /// `ms_customer_entity_name`.
    pub customer_entity_name: Option<LogicalName>,
    /// `ms_contact_id`.
    pub contact_id: Option<Guid>,
    /// `ms_id`.
    pub id: Option<Guid>,
    /// `ms_customer_name`, cleaned.
    pub customer_name: Option<Redacted<String>>,
    /// `ms_account_id`.
    pub account_id: Option<Guid>,
    /// `LookupStatus`, else `LookupSatus`.
    pub lookup_status: Option<LookupStatus>,
    /// Whether the lookup status came from the fallback spelling `LookupSatus`.
    pub lookup_status_from_fallback: bool,
    /// Whether the flow wrote the seed's spelling `LookupSatus` (with any value), even where `LookupStatus` decided:
    /// templates built on the seed read `{LookupSatus}`, so the status the bridge acts on is passed under it too.
    pub lookup_status_fallback_given: bool,
    /// `ms_session_template`.
    pub session_template: Option<TemplateName>,
    /// `ms_notify_template`.
    pub notify_template: Option<TemplateName>,
    /// `CallReason`, cleaned.
    pub call_reason: Option<Redacted<String>>,
    /// `ms_searchType`.
    pub search_type: Option<LogicalName>,
    /// `ms_searchText`, cleaned.
    pub search_text: Option<Redacted<String>>,
    /// `CreateTimeline`.
    pub create_timeline: Option<bool>,
    /// `ms_activity_id`.
    pub activity_id: Option<Guid>,
    /// `ms_entityrecord_entity_name`.
    pub entity_record_entity_name: Option<LogicalName>,
    /// `ms_entityrecord_record_id`.
    pub entity_record_record_id: Option<Guid>,
    /// `ms_customer_entity_name` was given but refused: the customer's id names a record of an entity nobody
    /// knows, so it is not opened as a record of another (a search is made instead).
    pub customer_entity_refused: bool,
    /// `ms_entityrecord_entity_name` was given but refused: the activity is not opened under a guessed entity.
    pub entity_record_entity_refused: bool,
}

/// A raw attribute value after the shape check.
enum Raw<'a> {
    Absent,
    Str(&'a str),
    Bool(bool),
}

impl SlugData {
    /// Parses `attributes` (normally `{key: {name, value}}`) through `names`.
    ///
    /// Never fails: what is valid is kept, and every problem is returned as a [`SlugError`].
    pub fn parse(contact: &ContactId, attributes: &Value, names: &AttributeNames) -> (SlugData, Vec<SlugError>) {
        let mut data = SlugData::default();
        let mut errors = Vec::new();
        let map = match attributes {
            Value::Object(map) => map,
            Value::Null => return (data, errors),
            other => {
                errors.push(SlugError {
                    contact: contact.clone(),
                    attribute: "*".to_owned(),
                    value: text::json_kind(other).to_owned(),
                    problem: SlugProblem::NotAnObject,
                });
                return (data, errors);
            }
        };
        data.lookup_status_fallback_given = matches!(
            read_entry(map.get(names.get(SlugField::LookupStatusFallback))),
            Ok(Raw::Str(s)) if !s.trim().is_empty()
        );
        for field in SlugField::ALL {
            // The seed's spelling is read when the standard one is absent or says nothing valid (a flow may write
            // its raw lookup outcome to one and the mapped value to the other).
            if field == SlugField::LookupStatusFallback
                && data.lookup_status.is_some_and(|s| s != LookupStatus::Unknown)
            {
                continue;
            }
            let attribute = names.get(field);
            let raw = match read_entry(map.get(attribute)) {
                Ok(raw) => raw,
                Err(found) => {
                    errors.push(SlugError {
                        contact: contact.clone(),
                        attribute: attribute.to_owned(),
                        value: String::new(),
                        problem: SlugProblem::NotAString { found },
                    });
                    continue;
                }
            };
            let mut fail = |value: &str, problem: SlugProblem| {
                // A number or an e-mail address in a field that holds none (a flow that swapped `ms_searchType` and
                // `ms_searchText`) is the customer's: not quoted either.
                let shown = if field.is_personal()
                    || crate::redact::looks_like_phone_number(value)
                    || crate::redact::looks_like_email_address(value)
                {
                    crate::redact::REDACTED.to_owned()
                } else {
                    text::excerpt(value)
                };
                errors.push(SlugError {
                    contact: contact.clone(),
                    attribute: attribute.to_owned(),
                    value: shown,
                    problem,
                });
            };
            let s = match raw {
                Raw::Absent => continue,
                Raw::Bool(b) if field.kind() == FieldKind::Bool => {
                    data.create_timeline = Some(b);
                    continue;
                }
                Raw::Bool(b) => {
                    fail(
                        if b { "true" } else { "false" },
                        SlugProblem::Invalid {
                            expected: field.kind().expected(),
                        },
                    );
                    continue;
                }
                Raw::Str(s) => s,
            };
            if s.trim().is_empty() {
                continue;
            }
            let invalid = SlugProblem::Invalid {
                expected: field.kind().expected(),
            };
            match field.kind() {
                FieldKind::Guid => match Guid::parse(s) {
                    Some(g) => *data.guid_slot(field) = Some(g),
                    None if Guid::is_nil_text(s) => fail(
                        s,
                        SlugProblem::Invalid {
                            expected: "a record id (the all-zero GUID names no record)",
                        },
                    ),
                    None => fail(s, invalid),
                },
                FieldKind::Logical => match LogicalName::parse(s) {
                    Some(n) => *data.logical_slot(field) = Some(n),
                    None => fail(s, invalid),
                },
                FieldKind::Template => match TemplateName::parse(s) {
                    Some(t) => {
                        if field == SlugField::SessionTemplate {
                            data.session_template = Some(t);
                        } else {
                            data.notify_template = Some(t);
                        }
                    }
                    None => fail(s, invalid),
                },
                FieldKind::Lookup => {
                    let status = LookupStatus::parse(s);
                    if status == LookupStatus::Unknown {
                        fail(s, invalid);
                    }
                    if status != LookupStatus::Unknown || data.lookup_status.is_none() {
                        data.lookup_status = Some(status);
                        data.lookup_status_from_fallback = field == SlugField::LookupStatusFallback;
                    }
                }
                FieldKind::Bool => {
                    let t = s.trim();
                    if t.eq_ignore_ascii_case("true") {
                        data.create_timeline = Some(true);
                    } else if t.eq_ignore_ascii_case("false") {
                        data.create_timeline = Some(false);
                    } else {
                        fail(s, invalid);
                    }
                }
                FieldKind::Text { cap } => {
                    let (clean, cut) = text::clean(s, cap);
                    if cut {
                        fail(s, SlugProblem::Truncated { cap });
                    }
                    if !clean.is_empty() {
                        let slot = match field {
                            SlugField::CustomerName => &mut data.customer_name,
                            SlugField::CallReason => &mut data.call_reason,
                            _ => &mut data.search_text,
                        };
                        *slot = Some(Redacted::new(clean));
                    }
                }
            }
        }
        let refused = |field: SlugField| errors.iter().any(|e| e.attribute == names.get(field));
        data.customer_entity_refused = refused(SlugField::CustomerEntityName);
        data.entity_record_entity_refused = refused(SlugField::EntityRecordEntityName);
        (data, errors)
    }

    fn guid_slot(&mut self, field: SlugField) -> &mut Option<Guid> {
        match field {
            SlugField::ContactId => &mut self.contact_id,
            SlugField::Id => &mut self.id,
            SlugField::AccountId => &mut self.account_id,
            SlugField::ActivityId => &mut self.activity_id,
            _ => &mut self.entity_record_record_id,
        }
    }

    fn logical_slot(&mut self, field: SlugField) -> &mut Option<LogicalName> {
        match field {
            SlugField::CustomerEntityName => &mut self.customer_entity_name,
            SlugField::SearchType => &mut self.search_type,
            _ => &mut self.entity_record_entity_name,
        }
    }

    /// Whether the flow found exactly one customer.
    pub fn is_single_match(&self) -> bool {
        self.lookup_status == Some(LookupStatus::SingleMatch)
    }

    /// The display name of the caller as the flow knows it: `ms_customer_name`, unless the lookup says it found
    /// several customers. The seed's flow stores its Lambda's `fullname` whatever the outcome, so on a multi match
    /// it is one arbitrary match's name: shown as the caller's, it would have the agent greet the wrong person while
    /// the bridge searches because it does not know who calls. (On no match no record gave the name, so one the
    /// flow set, e.g. from what the caller said, is the caller's.)
    pub fn caller_name(&self) -> Option<&Redacted<String>> {
        match self.lookup_status {
            Some(LookupStatus::MultiMatch) => None,
            _ => self.customer_name.as_ref(),
        }
    }

    /// The matched customer's record id: `ms_contact_id`, else `ms_id`; none when the entity it belongs to was refused.
    pub fn customer_id(&self) -> Option<&Guid> {
        if self.customer_entity_refused {
            return None;
        }
        self.contact_id.as_ref().or(self.id.as_ref())
    }

    /// The timeline activity's id: `ms_entityrecord_record_id`, else `ms_activity_id`.
    pub fn activity_record_id(&self) -> Option<&Guid> {
        self.entity_record_record_id.as_ref().or(self.activity_id.as_ref())
    }

    /// Every valid slug under its own attribute name, as template parameters; with `withhold_customer_ids`
    /// the customer record ids (`ms_contact_id`, `ms_id`, `ms_account_id`) are left out.
    pub fn template_parameters(&self, names: &AttributeNames, withhold_customer_ids: bool) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |field: SlugField, v: Option<String>| {
            if let Some(v) = v {
                m.insert(names.get(field).to_owned(), Value::String(v));
            }
        };
        let s = |g: &Option<Guid>| g.as_ref().map(|g| g.as_str().to_owned());
        let l = |n: &Option<LogicalName>| n.as_ref().map(|n| n.as_str().to_owned());
        let r = |t: &Option<Redacted<String>>| t.as_ref().map(|t| t.expose().clone());
        put(SlugField::CustomerEntityName, l(&self.customer_entity_name));
        if !withhold_customer_ids {
            put(SlugField::ContactId, s(&self.contact_id));
            put(SlugField::Id, s(&self.id));
            put(SlugField::AccountId, s(&self.account_id));
        }
        put(SlugField::CustomerName, r(&self.customer_name));
        let lookup = self.lookup_status.and_then(LookupStatus::as_str).map(str::to_owned);
        put(SlugField::LookupStatus, lookup.clone());
        if self.lookup_status_from_fallback || self.lookup_status_fallback_given {
            put(SlugField::LookupStatusFallback, lookup);
        }
        put(
            SlugField::SessionTemplate,
            self.session_template.as_ref().map(|t| t.as_str().to_owned()),
        );
        put(
            SlugField::NotifyTemplate,
            self.notify_template.as_ref().map(|t| t.as_str().to_owned()),
        );
        put(SlugField::CallReason, r(&self.call_reason));
        put(SlugField::SearchType, l(&self.search_type));
        put(SlugField::SearchText, r(&self.search_text));
        put(SlugField::CreateTimeline, self.create_timeline.map(|b| b.to_string()));
        put(SlugField::ActivityId, s(&self.activity_id));
        put(SlugField::EntityRecordEntityName, l(&self.entity_record_entity_name));
        put(SlugField::EntityRecordRecordId, s(&self.entity_record_record_id));
        m
    }
}

/// Reads one entry: `{name, value}` (the Streams shape, whose `value` is optional: `{name}` alone is an attribute
/// set without a value) or a bare string/boolean; `Err` names the JSON kind.
fn read_entry(entry: Option<&Value>) -> Result<Raw<'_>, &'static str> {
    let value = match entry {
        None | Some(Value::Null) => return Ok(Raw::Absent),
        Some(Value::Object(o)) => match o.get("value") {
            None if o.contains_key("name") => return Ok(Raw::Absent),
            None => return Err("an object without `value`"),
            Some(v) => v,
        },
        Some(v) => v,
    };
    match value {
        Value::Null => Ok(Raw::Absent),
        Value::String(s) => Ok(Raw::Str(s)),
        Value::Bool(b) => Ok(Raw::Bool(*b)),
        other => Err(text::json_kind(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_normalises() {
        let g = Guid::parse(" {0F8FAD5B-D9CB-469F-A165-70867728950E} ").map(|g| g.0);
        assert_eq!(g.as_deref(), Some("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(Guid::parse("0f8fad5b-d9cb-469f-a165-70867728950").is_none());
        assert!(Guid::parse("0f8fad5bxd9cb-469f-a165-70867728950e").is_none());
        assert!(Guid::parse("{0f8fad5b-d9cb-469f-a165-70867728950e").is_none());
        assert!(
            Guid::parse("00000000-0000-0000-0000-000000000000").is_none(),
            "names no record"
        );
        assert!(Guid::is_nil_text(" {00000000-0000-0000-0000-000000000000} "));
    }

    #[test]
    fn names() {
        assert!(LogicalName::parse("phonecall").is_some());
        assert!(LogicalName::parse("Contact").is_none());
        assert!(LogicalName::parse(&"a".repeat(65)).is_none());
        assert!(TemplateName::parse("extn_voice_notification").is_some());
        assert!(TemplateName::parse("ex_voice").is_none());
        assert!(TemplateName::parse("abcdefghi_voice").is_none());
        assert!(TemplateName::parse("extn_").is_none());
        assert!(TemplateName::parse("extn_a-b").is_none());
    }
}
