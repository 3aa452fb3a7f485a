export { scoreDepthMap, type QualityScores, type ScoreOptions, type DepthInput } from './score.js';
export { quantileLinear, quantileLinearNonNegative, select } from './quantile.js';
export { selectSamples, type Selection, type SelectionBreakdown, type SelectOptions, type DropReason } from './select.js';
export { formatRecord, parseRecords, isErrorRecord, type ScoreRecord, type ErrorRecord } from './records.js';
export { selectionReport } from './report.js';
export { scoreDistributionSvg, type ChartOptions } from './chart.js';
