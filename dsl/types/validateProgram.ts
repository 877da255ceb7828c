/**
 * What the types check when a model is bound with `program(model, { mesh, layout })`:
 * every tensor parameter (also inside objects and arrays, three levels deep)
 * uses only declared dims and puts no two of its dims on one mesh axis, and
 * the mesh given is the layout's mesh. Each validator returns the checked type
 * itself when it is valid and the message(s) when it is not.
 */
import type { writeAxisReusedMessage } from "../messages/layout.ts";
import type {
  meshMismatchNames,
  writeArgumentWhat,
  writeProgramMeshMismatchMessage,
  writeProgramUnknownDimMessage,
} from "../messages/program.ts";
import type { Mesh } from "../mesh.ts";
import type { ParseLayout, RuleTuple } from "../parseLayout.ts";
import type { Tensor } from "../tensor.ts";
import type { ParseDims } from "./dimsString.ts";

/** Any model function (its parameters are read, never called here). */
export type Model = (...args: never[]) => unknown;

/** The value paired with `Key` in a list of `[key, value]` pairs, or `undefined`. */
type Lookup<Pairs extends [string, string], Key extends string> =
  Extract<Pairs, [Key, string]> extends infer Found
    ? [Found] extends [never]
      ? undefined
      : Found extends [string, infer Value extends string]
        ? Value
        : undefined
    : undefined;

/** The axes the rules give dim `Name` (major first; one entry per axis). */
type AxesOf<Rules extends RuleTuple[], Name extends string, Acc extends string[] = []> = Rules extends [
  infer Rule extends RuleTuple,
  ...infer Rest extends RuleTuple[],
]
  ? AxesOf<Rest, Name, Rule[0] extends Name ? [...Acc, Rule[1]] : Acc>
  : Acc;

/** The first of `Axes` that `Owners` already gives a dim, as `[owner, axis]`, or `never`. */
type FirstOwned<Axes extends string[], Owners extends [string, string]> = Axes extends [infer Axis extends string, ...infer Rest extends string[]]
  ? Lookup<Owners, Axis> extends infer Owner extends string
    ? [Owner, Axis]
    : FirstOwned<Rest, Owners>
  : never;

type Own<Axes extends string[], Name extends string, Owners extends [string, string]> = Axes extends [infer Axis extends string, ...infer Rest extends string[]]
  ? Own<Rest, Name, Owners | [Axis, Name]>
  : Owners;

/** `true` when `T` is a union of two or more members. */
type IsUnion<T, All = T> = T extends unknown ? ([All] extends [T] ? false : true) : never;

/**
 * The first two dims of `Names` on one axis, as `[first, second, axis]`, or
 * `never` (twin of `Layout.axesFor`). A dim on one axis (the common case)
 * is one lookup; a dim over several walks its axes in rule order.
 */
type AxisReuse<Names extends string[], Rules extends RuleTuple[], Owners extends [string, string] = never> = Names extends [
  infer Name extends string,
  ...infer Rest extends string[],
]
  ? Extract<Rules[number], [Name, string, boolean]> extends infer Found
    ? [Found] extends [never]
      ? AxisReuse<Rest, Rules, Owners>
      : [Found] extends [[string, infer Axis extends string, boolean]]
        ? IsUnion<Axis> extends false
          ? Lookup<Owners, Axis> extends infer Owner extends string
            ? [Owner, Name, Axis]
            : AxisReuse<Rest, Rules, Owners | [Axis, Name]>
          : OrderedReuse<Name, Rest, Rules, Owners>
        : never
    : never
  : never;

/** A dim over several axes: its axes in rule order, so the first one already owned is the one reported. */
type OrderedReuse<Name extends string, Rest extends string[], Rules extends RuleTuple[], Owners extends [string, string]> =
  AxesOf<Rules, Name> extends infer Axes extends string[]
    ? FirstOwned<Axes, Owners> extends infer Owned
      ? [Owned] extends [never]
        ? AxisReuse<Rest, Rules, Own<Axes, Name, Owners>>
        : Owned extends [infer Owner extends string, infer Axis extends string]
          ? [Owner, Name, Axis]
          : never
      : never
    : never;

/** The first undeclared name of `Names`, or `never`. */
type FirstUnknown<Names extends string[], Declared> = Names extends [infer Name extends string, ...infer Rest extends string[]]
  ? Name extends Declared
    ? FirstUnknown<Rest, Declared>
    : Name
  : never;

/** The message for one tensor type with dims `S`, or `never`. */
type TensorError<S extends string, What extends string, Sizes extends Record<string, number>, Spec extends string> =
  string extends S
    ? never
    : FirstUnknown<ParseDims<S>, keyof Sizes> extends infer Unknown extends string
      ? [Unknown] extends [never]
        ? ParseLayout<Spec> extends infer Rules extends RuleTuple[]
          ? AxisReuse<ParseDims<S>, Rules> extends infer Reuse
            ? Reuse extends [infer First extends string, infer Second extends string, infer Axis extends string]
              ? writeAxisReusedMessage<What, First, Second, Axis, Spec>
              : never
            : never
          : never
        : writeProgramUnknownDimMessage<What, Unknown>
      : never;

type Levels = [never, 0, 1, 2];

/** The messages for every tensor in one parameter type `P` (a union), or `never`. */
type ValueErrors<
  P,
  Argument extends string,
  Path extends string,
  Sizes extends Record<string, number>,
  Spec extends string,
  Depth extends number,
> = P extends Tensor<infer S>
  ? TensorError<S, writeArgumentWhat<Argument, Path, S>, Sizes, Spec>
  : [Depth] extends [never]
    ? never
    : P extends ((...args: never[]) => unknown) | ArrayBufferView | string | number | boolean | bigint | symbol | null | undefined
      ? never
      : P extends readonly (infer Element)[]
        ? ValueErrors<Element, Argument, `${Path}[]`, Sizes, Spec, Levels[Depth]>
        : {
            [Key in keyof P & string]-?: ValueErrors<P[Key], Argument, `${Path}.${Key}`, Sizes, Spec, Levels[Depth]>;
          }[keyof P & string];

type ArgumentNumbers = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"];

/** The messages for every tensor in the parameter list `Params` (a union), or `never`. */
type ParameterErrors<Params extends readonly unknown[], Sizes extends Record<string, number>, Spec extends string> = {
  [Index in keyof Params]: Index extends `${infer Position extends number}`
    ? ValueErrors<Params[Index], ArgumentNumbers[Position] & string, "", Sizes, Spec, 3>
    : never;
}[number];

/** The messages for every tensor parameter of `F` under the layout (a union), or `never`. */
export type ModelErrors<F extends Model, Sizes extends Record<string, number>, Spec extends string> = ParameterErrors<
  Parameters<F>,
  Sizes,
  Spec
>;

/** `F` when every tensor parameter of `F` fits the layout, else the message(s). */
export type ValidateModel<F extends Model, Sizes extends Record<string, number>, Spec extends string> =
  ModelErrors<F, Sizes, Spec> extends infer Message
    ? [Message] extends [never]
      ? F
      : Message
    : never;

/** `Mesh<Given>` when it has the same axes and sizes as the layout's mesh `Axes`, else the message. */
export type ValidateMesh<Given extends Record<string, number>, Axes extends Record<string, number>> = [Given, Axes] extends [
  Axes,
  Given,
]
  ? Mesh<Given>
  : writeProgramMeshMismatchMessage<(typeof meshMismatchNames)["given"], (typeof meshMismatchNames)["expected"]>;
