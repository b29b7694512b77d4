// Type-level reading of a Flow JSON declared `as const` (or passed through defineFlow): the endpoint's screen map.
// For every screen: `out` (its declared `data`), `in` (the payloads of its `data_exchange` actions, typed from the
// `${form.…}` inputs and `${data.…}` fields they reference), `next` (its routing_model entry) and `entry`. Types only.
import type { FlowMediaItem } from '../protocol.js'
import type { FlowJson } from './schema.js'

type IsAny<T> = 0 extends 1 & T ? true : false
type Simplify<T> = { [K in keyof T]: T[K] } & {}
/** Recursion budget of the deep searches below (a Flow JSON layout is rarely more than ~12 levels deep). */
type Budget = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
type Dec<D extends unknown[]> = D extends [unknown, ...infer R] ? R : []

/** A literal type made general, readonly arrays and objects included (for `__example__` values). */
type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer E)[]
        ? readonly Widen<E>[]
        : T extends object
          ? { -readonly [K in keyof T]: Widen<T[K]> }
          : T

/** The value a data-model schema describes: `type` and, for arrays and objects, `items` / `properties` or `__example__`. */
export type FlowJsonSchemaValue<D, B extends unknown[] = Budget> = B extends []
  ? unknown
  : D extends { readonly type: 'string' }
    ? string
    : D extends { readonly type: 'number' | 'integer' }
      ? number
      : D extends { readonly type: 'boolean' }
        ? boolean
        : D extends { readonly type: 'array' }
          ? D extends { readonly items: infer I extends object }
            ? readonly FlowJsonSchemaValue<I, Dec<B>>[]
            : D extends { readonly __example__: infer E }
              ? Widen<E>
              : readonly unknown[]
          : D extends { readonly type: 'object' }
            ? D extends { readonly properties: infer P }
              ? ObjectValue<P, D extends { readonly required: readonly (infer R)[] } ? R : keyof P, Dec<B>>
              : D extends { readonly __example__: infer E }
                ? Widen<E>
                : Record<string, unknown>
            : unknown

type ObjectValue<P, Req, B extends unknown[]> = Simplify<
  { -readonly [K in keyof P as K extends Req ? K : never]: FlowJsonSchemaValue<P[K], B> } & {
    -readonly [K in keyof P as K extends Req ? never : K]?: FlowJsonSchemaValue<P[K], B>
  }
>

/** The screen `Id` of the flow `F`. */
export type FlowJsonScreenOf<F extends FlowJson, Id> = Extract<F['screens'][number], { readonly id: Id }>

/** Screen ids of a flow. */
export type FlowJsonScreenIds<F extends FlowJson> = F['screens'][number]['id']

/** The `data` a screen declares, as the endpoint must send it: every declared field, nothing else. */
export type FlowJsonScreenData<Screen> = Screen extends { readonly data: infer D }
  ? { -readonly [K in keyof D]: FlowJsonSchemaValue<D[K]> }
  : // biome-ignore lint/complexity/noBannedTypes: a screen without `data` takes the empty object type
    {}

// ---- the payloads of a screen's data_exchange actions

type ActionKey = 'on-click-action' | 'on-select-action' | 'on-unselect-action'

/** Every action object named `Name` anywhere below T (under on-click/on-select/on-unselect keys). */
type ActionsIn<T, Name extends string, B extends unknown[] = Budget> = B extends []
  ? never
  : T extends readonly (infer E)[]
    ? ActionsIn<E, Name, Dec<B>>
    : T extends object
      ? {
          [K in keyof T]: K extends ActionKey ? (T[K] extends { readonly name: Name } ? T[K] : never) : ActionsIn<T[K], Name, Dec<B>>
        }[keyof T]
      : never

/** Every named component below T (Forms excluded): walked once per screen, then looked up by name. */
type NamedIn<T, B extends unknown[] = Budget> = B extends []
  ? never
  : T extends readonly (infer E)[]
    ? NamedIn<E, Dec<B>>
    : T extends object
      ?
          | (T extends { readonly name: string; readonly type: infer Ty } ? (Ty extends 'Form' ? never : T) : never)
          | { [K in keyof T]: K extends ActionKey | 'data-source' | 'list-items' ? never : NamedIn<T[K], Dec<B>> }[keyof T]
      : never

/** The components of a screen named N. */
type InputsNamed<Screen, N> = Extract<NamedIn<Screen extends { readonly layout: infer L } ? L : never>, { readonly name: N }>

/** What WhatsApp sends for `${form.x}` bound to the input C. */
type InputValue<C> = [C] extends [never]
  ? unknown
  : C extends { readonly type: 'CheckboxGroup' | 'ChipsSelector' }
    ? string[]
    : C extends { readonly type: 'OptIn' }
      ? boolean
      : C extends { readonly type: 'PhotoPicker' | 'DocumentPicker' }
        ? FlowMediaItem[]
        : C extends { readonly type: 'CalendarPicker'; readonly mode: 'range' }
          ? { start_date: string; end_date: string }
          : C extends { readonly type: 'TextInput' | 'TextArea' | 'Dropdown' | 'RadioButtonsGroup' | 'DatePicker' | 'CalendarPicker' }
            ? string
            : unknown

/** `${data.a.b}`: the declared type of field a, then property b… */
type DataPath<Screen, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? PathInto<FlowJsonScreenData<Screen>, Head, Rest>
  : P extends keyof FlowJsonScreenData<Screen>
    ? FlowJsonScreenData<Screen>[P]
    : unknown
type PathInto<T, Head extends string, Rest extends string> = Head extends keyof T
  ? Rest extends `${infer H}.${infer R}`
    ? PathInto<NonNullable<T[Head]>, H, R>
    : Rest extends keyof NonNullable<T[Head]>
      ? NonNullable<T[Head]>[Rest]
      : unknown
  : unknown

type PayloadValue<F extends FlowJson, Screen, V, B extends unknown[] = Budget> = B extends []
  ? unknown
  : V extends `\${form.${infer N}}`
    ? InputValue<InputsNamed<Screen, N>>
    : V extends `\${data.${infer P}}`
      ? DataPath<Screen, P>
      : V extends `\${screen.${infer S}.form.${infer N}}`
        ? InputValue<InputsNamed<FlowJsonScreenOf<F, S>, N>>
        : V extends `\${screen.${infer S}.data.${infer P}}`
          ? DataPath<FlowJsonScreenOf<F, S>, P>
          : V extends `\`${string}`
            ? string | number | boolean
            : V extends string | number | boolean
              ? V
              : V extends readonly unknown[]
                ? { -readonly [I in keyof V]: PayloadValue<F, Screen, V[I], Dec<B>> }
                : V extends object
                  ? { -readonly [K in keyof V]: PayloadValue<F, Screen, V[K], Dec<B>> }
                  : unknown

/** `${form.x}` bound to an input without `required: true` may be left out by WhatsApp. */
type MayBeAbsent<Screen, V> = V extends `\${form.${infer N}}`
  ? InputsNamed<Screen, N> extends { readonly required: true }
    ? false
    : true
  : false

type PayloadOf<F extends FlowJson, Screen, P> = Simplify<
  { -readonly [K in keyof P as MayBeAbsent<Screen, P[K]> extends true ? never : K]: PayloadValue<F, Screen, P[K]> } & {
    -readonly [K in keyof P as MayBeAbsent<Screen, P[K]> extends true ? K : never]?: PayloadValue<F, Screen, P[K]>
  }
>

/** The `data` of a `data_exchange` request from the screen: one member per `data_exchange` action on it. */
export type FlowJsonScreenPayload<F extends FlowJson, Screen> =
  ActionsIn<Screen extends { readonly layout: infer L } ? L : never, 'data_exchange'> extends infer A
    ? A extends { readonly payload: infer P }
      ? PayloadOf<F, Screen, P>
      : A extends object
        ? // biome-ignore lint/complexity/noBannedTypes: an action without payload sends the empty object
          {}
        : never
    : never

// ---- routing

type RoutingModel<F> = F extends { readonly routing_model: infer RM } ? RM : never

/** Screens the endpoint may send after a data_exchange from Id: its routing_model entry (every screen without one). */
export type FlowJsonNext<F extends FlowJson, Id> = [RoutingModel<F>] extends [never]
  ? FlowJsonScreenIds<F>
  : Id extends keyof RoutingModel<F>
    ? RoutingModel<F>[Id] extends readonly (infer N)[]
      ? N
      : never
    : never

/** Screens no routing_model entry leads to: where the flow starts (the answer to INIT). */
export type FlowJsonEntry<F extends FlowJson> = [RoutingModel<F>] extends [never]
  ? FlowJsonScreenIds<F>
  : Exclude<
      FlowJsonScreenIds<F>,
      { [K in keyof RoutingModel<F>]: RoutingModel<F>[K] extends readonly (infer N)[] ? N : never }[keyof RoutingModel<F>]
    >

/**
 * The endpoint's screen map of a Flow JSON declared `as const` (or through `defineFlow`): for each screen, `out` is
 * the data it declares, `in` what its data_exchange actions send, `next` its routing_model entry, `entry` whether
 * INIT may open it. A Flow JSON without literal types (read from a file at run time) gives an untyped map.
 */
export type FlowScreensOf<F extends FlowJson> =
  IsAny<F> extends true
    ? Record<string, { in: Record<string, unknown>; out: Record<string, unknown> }>
    : string extends FlowJsonScreenIds<F>
      ? Record<string, { in: Record<string, unknown>; out: Record<string, unknown> }>
      : {
          [Id in FlowJsonScreenIds<F>]: {
            in: FlowJsonScreenPayload<F, FlowJsonScreenOf<F, Id>>
            out: FlowJsonScreenData<FlowJsonScreenOf<F, Id>>
            next: FlowJsonNext<F, Id>
            entry: Id extends FlowJsonEntry<F> ? true : false
          }
        }
