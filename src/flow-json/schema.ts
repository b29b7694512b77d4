// The shape of a Flow JSON document (Meta's Flow JSON reference), as TypeScript types: what `defineFlow`,
// `createFlowEndpoint({ flow })` and `validateFlowJson` accept. Types only; every property is readonly so that
// objects declared `as const` fit.

/** A field of a screen's `data` model (JSON-Schema style): `{ "type": "string", "__example__": "John" }`. */
export interface FlowJsonSchema {
  readonly type?: string
  /** Item schema of an `array`. */
  readonly items?: FlowJsonSchema | boolean
  /** Property schemas of an `object`; every listed property is required unless `required` names a subset. */
  readonly properties?: { readonly [name: string]: FlowJsonSchema }
  readonly required?: readonly string[]
  /** Example value (mandatory on top-level fields); the simulator sends it when it has nothing better. */
  readonly __example__?: unknown
  readonly [key: string]: unknown
}

/** One screen: `id` and `layout` are required. */
export interface FlowJsonScreen {
  readonly id: string
  readonly title?: string
  readonly terminal?: boolean
  readonly success?: boolean
  readonly refresh_on_back?: boolean
  readonly sensitive?: readonly string[]
  readonly data?: { readonly [field: string]: FlowJsonSchema }
  readonly layout: { readonly type: string; readonly children: readonly unknown[] }
  readonly [key: string]: unknown
}

/** A Flow JSON document. */
export interface FlowJson {
  readonly version: string
  readonly data_api_version?: string
  readonly routing_model?: { readonly [screen: string]: readonly string[] }
  readonly data_channel_uri?: string
  readonly screens: readonly FlowJsonScreen[]
}
