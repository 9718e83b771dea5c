// @alpsim/calico — Calico v3 policy model: loading, validation and conversion as Felix computes it.
export * from './types';
