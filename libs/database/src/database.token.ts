/** DI token of the mongoose Connection. */
export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');
