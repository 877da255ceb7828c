/**
 * Validators for the objects given to `dims({...})` and `mesh({...})`: every
 * key a name, every size a positive integer. Used as the parameter type, they
 * keep each valid entry as written and replace a bad one by its message, so the
 * editor underlines the bad entry with the message.
 */
import type { writeBadDeclaredDimNameMessage, writeBadDimSizeMessage } from "../messages/dims.ts";
import type { writeBadAxisNameMessage, writeBadAxisSizeMessage } from "../messages/mesh.ts";
import type { IsName } from "./names.ts";

/** `true` when the number literal `N` is a positive integer (or `N` is the wide `number`), else `false`. */
export type IsPositiveInteger<N extends number> = number extends N
  ? true
  : `${N}` extends "0" | `-${string}` | `${string}.${string}` | `${string}e-${string}`
    ? false
    : true;

/** `{ batch: 64 }` as written, with each bad entry replaced by its message. */
export type ValidateSizes<Sizes extends Record<string, number>> = {
  [Name in keyof Sizes]: Name extends string
    ? string extends Name
      ? Sizes[Name]
      : IsName<Name> extends false
      ? writeBadDeclaredDimNameMessage<Name>
      : IsPositiveInteger<Sizes[Name]> extends false
        ? writeBadDimSizeMessage<Name, Sizes[Name]>
        : Sizes[Name]
    : Sizes[Name];
};

/** `{ data: 4 }` as written, with each bad mesh axis replaced by its message. */
export type ValidateAxes<Axes extends Record<string, number>> = {
  [Name in keyof Axes]: Name extends string
    ? string extends Name
      ? Axes[Name]
      : IsName<Name> extends false
      ? writeBadAxisNameMessage<Name>
      : IsPositiveInteger<Axes[Name]> extends false
        ? writeBadAxisSizeMessage<Name, Axes[Name]>
        : Axes[Name]
    : Axes[Name];
};
