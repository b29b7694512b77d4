// The validator's rules: a stable id per rule, its default severity, Meta's error code where Meta has one, and the
// source it comes from (keys of SOURCES; docs/flow-json.md lists them with their URLs).

export type FlowJsonSeverity = 'error' | 'warning'

export interface FlowJsonRule {
  severity: FlowJsonSeverity
  /** Meta's code for the same error, when Meta documents one. */
  meta?: string
  /** Where the rule comes from: keys of `FLOW_JSON_SOURCES`. */
  source: string
  summary: string
}

/** The documents the rules come from. */
export const FLOW_JSON_SOURCES: Record<string, string> = {
  FJ: 'https://developers.facebook.com/documentation/business-messaging/whatsapp/flows/reference/flowjson',
  ERR: 'https://developers.facebook.com/docs/whatsapp/flows/reference/error-codes',
  SEND: 'https://developers.facebook.com/documentation/business-messaging/whatsapp/flows/guides/sendingaflow',
  ENDPOINT: 'https://developers.facebook.com/documentation/business-messaging/whatsapp/flows/guides/implementingyourflowendpoint',
  COMP: 'https://developers.facebook.com/docs/whatsapp/flows/reference/components',
  MEDIA: 'https://developers.facebook.com/docs/whatsapp/flows/reference/media_upload',
  CL: 'https://developers.secure.facebook.com/docs/whatsapp/flows/changelogs',
  AWS: 'https://docs.aws.eu/es_es/social-messaging/latest/userguide/managing-flows-limitations.html',
}

const r = (severity: FlowJsonSeverity, source: string, summary: string, meta?: string): FlowJsonRule =>
  meta ? { severity, source, summary, meta } : { severity, source, summary }

/** Every rule the validator applies, by id. */
export const FLOW_JSON_RULES = {
  // document
  'json-syntax': r('error', 'FJ', 'the text is JSON'),
  'not-an-object': r('error', 'FJ', 'the document is a JSON object'),
  'too-large': r('error', 'FJ', 'the Flow JSON is at most 10 MB'),
  'version-missing': r('error', 'ERR', '`version` is present', 'MISSING_FLOW_JSON_VERSION'),
  'version-format': r('error', 'ERR', '`version` is a "major.minor" string', 'INVALID_FLOW_JSON_VERSION'),
  'version-not-publishable': r('warning', 'AWS', '`version` is one Meta still publishes (5.1, 6.0–6.3, 7.0–7.3), or newer'),
  'screens-missing': r('error', 'ERR', '`screens` is an array of at least one screen', 'MIN_ITEMS_REQUIRED'),
  'unknown-property': r(
    'error',
    'ERR',
    'the top level has only version, screens, routing_model, data_api_version, data_channel_uri',
    'INVALID_PROPERTY_KEY',
  ),
  'data-channel-uri': r('error', 'FJ', '`data_channel_uri` only below 3.0, and a URI there'),
  'data-api-version': r('error', 'FJ', '`data_api_version` is "3.0" or "4.0"'),
  'data-exchange-needs-data-api-version': r('error', 'ERR', 'a data_exchange action needs `data_api_version`', 'MISSING_REQUIRED_PROPERTY'),
  'data-api-version-needs-routing-model': r('error', 'ERR', '`data_api_version` needs a `routing_model`', 'MISSING_REQUIRED_PROPERTY'),
  'flow-token-signature-version': r('warning', 'ENDPOINT', 'data_api_version 4.0 signs flow tokens only from version 7.3'),
  // screens
  'screen-shape': r('error', 'FJ', 'a screen is an object with `id` and `layout`'),
  'screen-unknown-property': r('warning', 'FJ', 'a screen has only id, title, terminal, success, refresh_on_back, data, layout, sensitive'),
  'duplicate-screen-id': r('error', 'ERR', 'screen ids are unique', 'DUPLICATE_SCREEN_IDS'),
  'screen-id-pattern': r('error', 'ERR', 'a screen id has only letters and underscores (digits: warning)', 'PATTERN_MISMATCH'),
  'reserved-screen-id': r('error', 'ERR', '`SUCCESS` (any case) is reserved', 'SCREEN_ID_IS_RESERVED_KEYWORD'),
  'too-many-screens': r('error', 'ERR', 'at most 100 screens', 'MAX_SCREENS_NUMBER'),
  'no-terminal-screen': r('error', 'ERR', 'at least one screen is terminal', 'MISSING_TERMINAL_SCREEN'),
  'terminal-without-footer': r('error', 'ERR', 'every terminal screen has a Footer', 'MISSING_FOOTER_ON_TERMINAL_SCREEN'),
  'success-on-non-terminal': r('error', 'ERR', '`success` only on terminal screens', 'NOT_KEYWORD_SCHEMA_VALIDATION_FAILED'),
  'no-successful-terminal': r('error', 'ERR', 'at least one terminal screen has success true (the default)', 'INVALID_PROPERTY_VALUE'),
  'refresh-on-back-without-endpoint': r('error', 'ERR', '`refresh_on_back: true` needs `data_api_version`', 'INVALID_PROPERTY_VALUE'),
  sensitive: r('error', 'FJ', '`sensitive` (5.1+) is an array of the screen’s field names'),
  layout: r('error', 'FJ', '`layout` is a SingleColumnLayout with a `children` array', 'INVALID_PROPERTY_VALUE'),
  // data model
  'data-field-type': r('error', 'ERR', 'every data field has a `type`: string, number, boolean, object or array', 'INVALID_SCREEN_DATA'),
  'array-items': r('error', 'ERR', 'an array field has `items`', 'INVALID_SCREEN_DATA'),
  'example-missing': r('error', 'FJ', 'every top-level data field has an `__example__`'),
  'example-nested': r('error', 'ERR', '`__example__` only on top-level fields', 'INVALID_SCREEN_DATA'),
  'example-type': r('error', 'FJ', '`__example__` matches the declared type (no null)'),
  'undeclared-data': r('error', 'ERR', '`${data.x}` names a field the screen declares', 'INVALID_SCREEN_DYNAMIC_DATA'),
  'data-source-schema': r(
    'error',
    'ERR',
    'a `data-source` bound to `${data.x}` has items with id and title',
    'INVALID_SCREEN_DYNAMIC_DATA',
  ),
  'binding-type': r(
    'error',
    'ERR',
    'a bound field’s type fits the property (data-source: array, visible: boolean)',
    'INVALID_SCREEN_DYNAMIC_DATA',
  ),
  // references
  'unknown-form-input': r('error', 'ERR', '`${form.x}` names an input of the screen', 'INVALID_ON_CLICK_ACTION_PAYLOAD'),
  'global-reference': r(
    'error',
    'ERR',
    '`${screen.S.…}` (4.0+) names another existing screen and its field or input',
    'INVALID_SCREEN_DATA',
  ),
  'nested-expression-version': r('error', 'FJ', 'backtick nested expressions need version 6.0'),
  // actions
  'unknown-action': r('error', 'FJ', 'an action is navigate, complete, data_exchange, update_data or open_url'),
  'navigate-target': r('error', 'ERR', 'navigate names an existing other screen', 'INVALID_NAVIGATE_ACTION_NEXT_SCREEN_NAME'),
  'navigate-payload': r('error', 'ERR', 'a navigate payload has exactly the next screen’s data fields'),
  'navigate-on-terminal-footer': r('error', 'ERR', 'no navigate on a terminal screen’s Footer'),
  'complete-on-non-terminal': r('error', 'ERR', 'complete only on terminal screens', 'INVALID_COMPLETE_ACTION'),
  'complete-not-on-footer': r('error', 'ERR', 'complete only on a Footer', 'INVALID_ENUM_VALUE'),
  'update-data': r('error', 'ERR', 'update_data (6.0+) sets fields the screen declares', 'INVALID_ACTION_PAYLOAD_PROPERTY'),
  'open-url': r('error', 'FJ', 'open_url (6.0+) has a url, no payload, and sits on EmbeddedLink or OptIn'),
  'media-in-payload': r(
    'error',
    'MEDIA',
    'picker values only top-level in complete/data_exchange payloads; complete: one picker, at most 1 file',
  ),
  'footer-action-missing': r('error', 'COMP', 'a Footer has an on-click-action'),
  // routing model
  'routing-model-shape': r('error', 'FJ', '`routing_model` maps screen ids to arrays of screen ids'),
  'routing-missing-screen': r(
    'error',
    'ERR',
    'every screen is a key of the routing model (warning for screens no route leaves)',
    'INVALID_ROUTING_MODEL',
  ),
  'routing-unknown-screen': r('error', 'ERR', 'routing model keys and routes name existing screens', 'INVALID_ROUTING_MODEL'),
  'routing-self': r('error', 'FJ', 'no route from a screen to itself'),
  'routing-backward': r('error', 'ERR', 'no route back to a screen that routes here', 'INVALID_ROUTING_MODEL'),
  'routing-cycle': r('error', 'ERR', 'no loop in the routes', 'INVALID_ROUTING_MODEL'),
  'routing-no-entry': r('error', 'ERR', 'some screen has no inbound route (the entry)', 'INVALID_ROUTING_MODEL'),
  'routing-many-entries': r('warning', 'FJ', 'exactly one screen has no inbound route'),
  'routing-disconnected': r('error', 'ERR', 'all screens are connected', 'INVALID_ROUTING_MODEL'),
  'routing-branches': r('error', 'ERR', 'at most 10 routes from a screen', 'INVALID_ROUTING_MODEL'),
  'routing-dead-end': r(
    'warning',
    'FJ',
    'all routes end at a terminal screen (a non-terminal screen without routes is a page to go back from)',
  ),
  'navigate-not-in-routing-model': r('error', 'ERR', 'every navigate action is a route of the routing model', 'INVALID_ROUTING_MODEL'),
  // components
  'input-outside-form': r('error', 'ERR', 'inputs inside a Form (below 4.0, or when the screen has one)', 'COMPONENTS_OUTSIDE_FORM'),
  'name-missing': r('error', 'FJ', 'a Form and every input have a `name`'),
  'duplicate-input-name': r(
    'error',
    'ERR',
    'input names are unique on a screen, across If/Switch branches',
    'DUPLICATE_FORM_COMPONENT_NAMES',
  ),
  'component-limit': r(
    'error',
    'ERR',
    'per screen: 1 Footer, 2 EmbeddedLink, 3 Image, 5 OptIn, 1 PhotoPicker, not both pickers (50 components: warning)',
  ),
  'footer-branches': r('error', 'ERR', 'a Footer in If/Switch is in every branch or none', 'MISSING_FOOTER_IN_IF_ELSE_BRANCHES'),
  'if-then-empty': r('error', 'ERR', 'If has a non-empty `then`'),
  'footer-captions': r('error', 'ERR', 'left-caption needs right-caption; center-caption excludes both', 'INVALID_DEPENDENCIES'),
  'min-greater-than-max': r('error', 'ERR', 'min-… is not greater than max-…', 'MIN_VALUE_GREATER_THAN_MAX'),
  'empty-string': r('error', 'CL', 'from 6.0, string properties are not empty or blank'),
  'component-version': r('error', 'FJ', 'a component exists in the document’s version'),
  'unknown-component': r('warning', 'COMP', 'a component type Meta documents'),
} satisfies Record<string, FlowJsonRule>

export type FlowJsonRuleId = keyof typeof FLOW_JSON_RULES
