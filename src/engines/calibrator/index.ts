/** The self-calibrating leverage model (issue 6): the calibrator, its constants, files and maths. */

export * from './constants.js';
export { LiquidationCalibrator, createCalibrator, liquidationCalibrator, MAX_HELD_EVENTS, type CalibratorCounters, type CalibratorOptions, type WeightEstimator } from './calibrator.js';
export { MixEvidence, type EvidenceEvent, type EvidenceExposure, type MixEstimate, type MixEstimatorOptions, type MixEvidenceJson } from './mix-estimator.js';
export { ApproachTracker, type ApproachOutcome, type ApproachEnd, type MinuteLiquidation } from './approach.js';
export { argmax, densityResponsibilities, fallbackResponsibilities, hitCredit } from './attribution.js';
export { biasStep, bufferStep, capAndNormalize, guardWeights, impliedMargin, toleranceStep, weightStep, type BiasStep, type BufferStep, type ToleranceStep, type WeightStep } from './update.js';
export { INITIAL_VOLATILITY, nextVolatility, temperatures, volScale, type VolatilityState } from './volatility.js';
export { buildWeightsFile, inspectWeights, isoUtc, remapLadder, restoreWeights, type LearningStateJson, type RestoreResult, type WeightsFile, type WeightsInspection } from './weights-file.js';
