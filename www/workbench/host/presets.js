// Why this file exists: the contacts the workbench can place, taken from the seed scenario
// (d365-integration-module-usage-guide.txt): the contact-flow module's slug attributes with realistic values,
// spelled as the seed spells them (LookupSatus, phoneNmber). Each preset becomes a fake-CCP addContact spec.

const SEED_PHONE = '+14255550123';

export const PRESETS = {
  'voice-single': {
    label: 'Voice · single match',
    type: 'voice',
    phoneNumber: SEED_PHONE,
    queue: 'Customer Service',
    attributes: {
      ms_customer_entity_name: 'contact',
      phoneNmber: SEED_PHONE,
      ms_contact_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
      ms_customer_name: 'Maria Campbell',
      ms_account_id: '7d3c9e1f-2a4b-4c6d-8e0f-1a2b3c4d5e6f',
      ms_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
      CreateTimeline: 'true',
      LookupSatus: 'SingleMatch',
      ms_session_template: 'extn_voice_identified_session',
      ms_notify_template: 'extn_voice_notification',
      CallReason: 'transcript: I would like to change the delivery address on my last order',
      ms_searchType: 'contact',
      ms_searchText: SEED_PHONE,
      ms_activity_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      ms_entityrecord_entity_name: 'phonecall',
      ms_entityrecord_record_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    },
  },
  'voice-multi': {
    label: 'Voice · multi match',
    type: 'voice',
    phoneNumber: '+14255550188',
    queue: 'Customer Service',
    attributes: {
      ms_customer_entity_name: 'contact',
      phoneNmber: '+14255550188',
      // the lookup returned several contacts; the flow stored the first one's ids
      ms_contact_id: '0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      ms_customer_name: 'Sam Taylor',
      ms_account_id: '3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b',
      ms_id: '0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      CreateTimeline: 'true',
      LookupSatus: 'MultiMatch',
      ms_session_template: 'extn_voice_identified_session',
      ms_notify_template: 'extn_voice_notification',
      CallReason: 'transcript: question about an invoice',
      ms_searchType: 'contact',
      ms_searchText: '+14255550188',
      ms_activity_id: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
      ms_entityrecord_entity_name: 'phonecall',
      ms_entityrecord_record_id: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
    },
  },
  'voice-nomatch': {
    label: 'Voice · no match',
    type: 'voice',
    phoneNumber: '+14255550177',
    queue: 'Customer Service',
    attributes: {
      ms_customer_entity_name: 'contact',
      phoneNmber: '+14255550177',
      ms_contact_id: '',
      ms_customer_name: '',
      ms_account_id: '',
      ms_id: '',
      CreateTimeline: 'true',
      LookupSatus: 'NoMatch',
      ms_session_template: 'extn_voice_identified_session',
      ms_notify_template: 'extn_voice_notification',
      CallReason: 'transcript: new customer asking about opening hours',
      ms_searchType: 'contact',
      ms_searchText: '+14255550177',
      ms_activity_id: 'c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f',
      ms_entityrecord_entity_name: 'phonecall',
      ms_entityrecord_record_id: 'c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f',
    },
  },
  chat: {
    label: 'Chat · single match',
    type: 'chat',
    customerName: 'Alex Rivera',
    queue: 'Chat Support',
    attributes: {
      ms_customer_entity_name: 'contact',
      ms_contact_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f2a3b4c5d',
      ms_customer_name: 'Alex Rivera',
      ms_account_id: '7d3c9e1f-2a4b-4c6d-8e0f-1a2b3c4d5e6f',
      ms_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f2a3b4c5d',
      CreateTimeline: 'true',
      LookupSatus: 'SingleMatch',
      ms_session_template: 'extn_chat_session',
      ms_notify_template: 'extn_chat_notification',
      CallReason: 'chat: where is my parcel?',
      ms_searchType: 'contact',
      ms_searchText: 'alex.rivera@example.com',
      ms_activity_id: 'd4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f8a',
      ms_entityrecord_entity_name: 'msdyn_ocliveworkitem',
      ms_entityrecord_record_id: 'd4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f8a',
    },
  },
  email: {
    label: 'Email · inbound',
    type: 'email',
    customerName: 'Alex Rivera',
    emailAddress: 'alex.rivera@example.com',
    subject: 'Where is my parcel?',
    queue: 'Customer Service',
    attributes: {
      LookupSatus: 'NoMatch',
      ms_notify_template: 'extn_email_notification',
      ms_session_template: 'extn_email_session',
      ms_searchType: 'contact',
      ms_searchText: 'alex.rivera@example.com',
    },
  },
  'email-draft': {
    label: 'Email · agent-started draft',
    type: 'email',
    direction: 'outbound',
    state: 'connected',
    emailAddress: 'alex.rivera@example.com',
    subject: 'Your refund',
    queue: 'Customer Service',
    attributes: {},
  },
  task: {
    label: 'Task',
    type: 'task',
    name: 'Call back about refund request',
    description: 'Customer asked for a refund of order 10023; check the payment and call back.',
    queue: 'Back Office Tasks',
    references: { Order: { type: 'URL', value: 'https://orders.example.com/10023', arn: null, status: null, statusReason: null } },
    attributes: {
      ms_customer_entity_name: 'contact',
      ms_contact_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
      ms_customer_name: 'Maria Campbell',
      ms_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
      CreateTimeline: 'true',
      LookupSatus: 'SingleMatch',
      ms_session_template: 'extn_task_session',
      ms_notify_template: 'extn_task_notification',
      CallReason: 'refund request',
      ms_searchType: 'contact',
      ms_searchText: SEED_PHONE,
      ms_activity_id: 'e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8a9b',
      ms_entityrecord_entity_name: 'task',
      ms_entityrecord_record_id: 'e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8a9b',
    },
  },
  callback: {
    label: 'Queue callback',
    type: 'queue_callback',
    phoneNumber: SEED_PHONE,
    queue: 'Customer Service',
    attributes: {
      ms_customer_entity_name: 'contact',
      phoneNmber: SEED_PHONE,
      ms_contact_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
      ms_customer_name: 'Maria Campbell',
      ms_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
      CreateTimeline: 'false',
      LookupSatus: 'SingleMatch',
      ms_session_template: 'extn_voice_identified_session',
      ms_notify_template: 'extn_voice_notification',
      CallReason: 'callback requested from the IVR',
      ms_searchType: 'contact',
      ms_searchText: SEED_PHONE,
    },
  },
  outbound: {
    label: 'Outbound call',
    type: 'voice',
    direction: 'outbound',
    phoneNumber: '+14255550142',
    queue: 'BasicQueue',
    attributes: {},
  },
};

/**
 * The fake-CCP addContact spec for a preset. overrides: {attributes: {name: value|null (null deletes)}, phoneNumber,
 * customerName, queue, contactId, state, type, direction, name, description, references, connectAfterMs}
 */
export function presetSpec(name, overrides = {}) {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset ${name}; known: ${Object.keys(PRESETS).join(', ')}`);
  const spec = structuredClone(p);
  delete spec.label;
  const { attributes, replaceAttributes, ...rest } = overrides || {};
  Object.assign(spec, rest);
  spec.attributes = replaceAttributes ? { ...replaceAttributes } : { ...spec.attributes };
  for (const [k, v] of Object.entries(attributes || {})) {
    if (v === null) delete spec.attributes[k];
    else spec.attributes[k] = v;
  }
  return spec;
}
