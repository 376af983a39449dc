// The ruler's errors: coded NornErrors, so the HTTP edge answers each with the status its code
// means (core/errors.ts): 400 for invalid groups, 404 for missing ones, as Loki does.

import { NornError } from '../../core/errors.js';

export type RulerErrorCode =
  | 'RULER_CONFIG'
  | 'RULE_GROUP_INVALID'
  | 'RULE_GROUP_NOT_FOUND'
  | 'RULE_NAMESPACE_NOT_FOUND'
  | 'RULE_STORE'
  | 'RULE_EVALUATION'
  | 'REMOTE_WRITE'
  | 'NOTIFIER';

export class RulerError extends NornError {
  constructor(code: RulerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Loki's `rulestore.ErrGroupNotFound`. */
export function groupNotFound(): RulerError {
  return new RulerError('RULE_GROUP_NOT_FOUND', 'group does not exist');
}

/** Loki's `rulestore.ErrGroupNamespaceNotFound`. */
export function namespaceNotFound(): RulerError {
  return new RulerError('RULE_NAMESPACE_NOT_FOUND', 'group namespace does not exist');
}
