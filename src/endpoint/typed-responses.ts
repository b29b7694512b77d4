// Compile-time checks of what a handler returns, against the screen map: the next screen must be allowed (routing
// model, INIT entry) and its data exact (no unknown field, none missing, declared types). A handler whose result fails
// is rejected with one message naming the screen and the field, e.g. "screen DETAILS: unknown field 'emial'". Types only.

type IsAny<T> = 0 extends 1 & T ? true : false

type Names<S> = Extract<keyof S, string>
type Declared<S, N extends keyof S> = S[N] extends { out: infer O } ? O : undefined

/** Keys of D that carry a value (object-literal unions add `k?: undefined` for keys of the other members). */
type PresentKeys<D> = Exclude<{ [K in keyof D]: [D[K]] extends [undefined] ? never : K }[keyof D], undefined>
/** Keys of D that are always there with a value. */
// biome-ignore lint/complexity/noBannedTypes: `{} extends Pick<D, K>` is the type-level test for an optional key
type SureKeys<D> = Exclude<{ [K in keyof D]: {} extends Pick<D, K> ? never : undefined extends D[K] ? never : K }[keyof D], undefined>
// biome-ignore lint/complexity/noBannedTypes: `{} extends Pick<O, K>` is the type-level test for an optional key
type RequiredKeys<O> = Exclude<{ [K in keyof O]: {} extends Pick<O, K> ? never : K }[keyof O], undefined>

type Described<T> = [T] extends [string]
  ? string extends T
    ? 'string'
    : 'one of the declared strings'
  : [T] extends [number]
    ? 'number'
    : [T] extends [boolean]
      ? 'boolean'
      : T extends readonly unknown[]
        ? 'an array of the declared items'
        : 'an object of the declared shape'

type UnknownFields<Where extends string, D, O> = {
  [F in Exclude<PresentKeys<D>, keyof O | 'error_message'> & string]: `${Where}: unknown field '${F}'`
}[Exclude<PresentKeys<D>, keyof O | 'error_message'> & string]
type MissingFields<Where extends string, D, O> = {
  [F in Exclude<RequiredKeys<O>, PresentKeys<D>> & string]: `${Where}: missing field '${F}'`
}[Exclude<RequiredKeys<O>, PresentKeys<D>> & string]
type MaybeUndefinedFields<Where extends string, D, O> = {
  [F in Exclude<RequiredKeys<O> & PresentKeys<D>, SureKeys<D>> & string]: IsAny<D[F]> extends true
    ? never
    : `${Where}: field '${F}' may be undefined`
}[Exclude<RequiredKeys<O> & PresentKeys<D>, SureKeys<D>> & string]
type WrongFields<Where extends string, D, O> = {
  [F in PresentKeys<D> & keyof O & string]: IsAny<D[F]> extends true
    ? never
    : [Exclude<D[F], undefined>] extends [O[F]]
      ? never
      : `${Where}: field '${F}' must be ${Described<O[F]>}`
}[PresentKeys<D> & keyof O & string]

/** The first kind of mistake found (unknown, missing, maybe undefined, wrong type), one message per field. */
type FieldErrors<Where extends string, D, O> = First<
  [UnknownFields<Where, D, O>, MissingFields<Where, D, O>, MaybeUndefinedFields<Where, D, O>, WrongFields<Where, D, O>]
>
type First<L extends unknown[]> = L extends [infer H, ...infer R] ? ([H] extends [never] ? First<R> : H) : never

/** Errors in the data `D` sent to screen N. Screens without a declared `out` (or with an index signature) take any object. */
type DataErrors<S, N extends keyof S & string, D> =
  IsAny<D> extends true
    ? never
    : D extends object
      ?
          | (Declared<S, N> extends infer O
              ? [O] extends [undefined]
                ? never
                : string extends keyof O
                  ? never
                  : FieldErrors<`screen ${N}`, D, O>
              : never)
          | ('error_message' extends PresentKeys<D>
              ? IsAny<D['error_message' & keyof D]> extends true
                ? never
                : [Exclude<D['error_message' & keyof D], undefined>] extends [string]
                  ? never
                  : `screen ${N}: error_message must be a string`
              : never)
      : `screen ${N}: data must be an object`

type CompletionErrors<C, D> = D extends { extension_message_response: { params: infer P } }
  ? IsAny<P> extends true
    ? never
    : P extends object
      ? P extends { flow_token: string }
        ? string extends keyof C
          ? never
          : FieldErrors<'completion params', P, C & { flow_token: string }>
        : "completion params: missing field 'flow_token'"
      : 'completion: params must be an object'
  : 'completion: data must be { extension_message_response: { params: { flow_token, … } } }'

/** Errors of one response R, given where the handler runs (`Where`) and the screens it may lead to. */
type OneResponseErrors<S, C, Where extends string, Allowed extends string, Reason extends string, R> =
  IsAny<R> extends true
    ? never
    : R extends { screen: infer N; data: infer D }
      ? N extends 'SUCCESS'
        ? CompletionErrors<C, D>
        : N extends string
          ? string extends N
            ? string extends Names<S>
              ? never
              : `${Where}: the next screen must be a screen name of the flow, not any string`
            : N extends Allowed
              ? N extends Names<S>
                ? DataErrors<S, N, D>
                : never
              : N extends Names<S>
                ? `${Where}: next screen '${N}' is not allowed (${Reason})`
                : `${Where}: next screen '${N}' is not a screen of the flow`
          : `${Where}: screen must be a string`
      : `${Where}: a response is { screen, data }`

/**
 * What a handler's declared return type becomes: its own result R when every response R may be is valid, otherwise
 * one message naming the screen and the field (tsc then reports `Type '…' is not assignable to type '"screen …"'`).
 */
export type CheckedResponse<S, C, Where extends string, Allowed extends string, Reason extends string, R> = [
  OneResponseErrors<S, C, Where, Allowed, Reason, Awaited<R>>,
] extends [never]
  ? R
  : OneResponseErrors<S, C, Where, Allowed, Reason, Awaited<R>>

/** The screens a data_exchange from K may answer with: K itself (refresh, error_message) and its `next`. */
export type AllowedAfter<S, K> = K extends keyof S
  ? S[K] extends { next: infer N extends string }
    ? N | (K & string)
    : Names<S>
  : Names<S>

/** Why a next screen is refused, for the message. */
export type AllowedAfterReason<S, K extends string> = K extends keyof S
  ? S[K] extends { next: string }
    ? `routing_model.${K} does not list it`
    : 'not in the screen map'
  : 'not in the screen map'

/** The screens INIT may open: those marked `entry: true` (the routing model's entry), every screen when none is. */
export type InitScreens<S> = { [K in keyof S]: S[K] extends { entry: true } ? K : never }[keyof S] extends infer E
  ? [E] extends [never]
    ? Names<S>
    : E & string
  : never
