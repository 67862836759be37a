/** DI token of the registered mongoose models. */
export const MODELS = Symbol('MODELS');
