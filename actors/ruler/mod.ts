// The ruler: alerting and recording rules over LogQL, evaluated per group on the ruler ring,
// alerts to Alertmanager, recorded series to Prometheus by remote write.

export { defaultRulerConfig, rulerConfigFromYaml, DEFAULT_REMOTE_WRITE } from './config.js';
export type { RulerConfig, RemoteWriteConfig, RuleStorageType } from './config.js';
export type { RulesService, GroupStatusView, RuleStatusView } from './api.js';
export { RulerError } from './errors.js';
export type { RulerErrorCode } from './errors.js';
export { groupToYaml, ruleFileToYaml, groupToPlain, parseGroupBody, parseRuleFile, BAD_RULE_GROUP } from './rule-format.js';
export type { RuleDefinition, RuleGroupDefinition } from './rule-format.js';
export type { RuleNamespaces, RuleStore } from './rule-store.js';
export { validateGroups, NOT_A_METRIC_QUERY } from './validate.js';
export type { RuleQuerier } from './evaluate-rule.js';
export { openRuleStores, openRulesApi, startRulerModule } from './module.js';
export type { RuleStores, RuleStoresDeps, RulerModuleDeps, RunningRuler } from './module.js';
export { Ruler } from './ruler.js';
export type { ActiveAlert, AlertState } from './alert-state.js';
