export { ComposeError, formatComposeError } from './compose/errors.js';
