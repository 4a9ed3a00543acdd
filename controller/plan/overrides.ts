// Break-glass overrides on top of the manifest (issue 15 item 7): `regionctl drain REGION
// --now` takes a region's traffic away through the running controller before the pull
// request that records it is merged. The planner never sees the override itself: it plans
// the manifest with the override applied (this pure overlay), so every reconcile keeps the
// emergency change instead of fighting it, and guardrails judge the overlaid manifest.
//
// A drained-now region plans as `standby` without a failover role: weighted records go to
// weight 0, latency and geolocation records leave their set (no drain wait: the region stays
// in the manifest), failover records are deleted so Route 53 answers with the other role.
// Its stack, replicas and health checks stay, so when the override ends without the
// manifest catching up, the region rejoins through the ordinary health-gated ramp.
//
// An override ends when the manifest catches up (the region is no longer `active`: the
// one-line change merged, or another edit took the region out) or when it expires.

import type { DesiredRegion, DesiredState } from '../manifest/types.js';
import { compareStrings } from './identity.js';

/** One region's break-glass drain, as the shared control state keeps it (times: ms since epoch). */
export interface DrainOverride {
  /** When it expires: from then on traffic follows the manifest again. */
  until: number;
  reason: string;
  by: string;
  at: number;
}

/** Region code → its drain. */
export type DrainOverrides = Record<string, DrainOverride>;

/** Why an override stopped applying: the manifest says the same now, or its time is up. */
export type OverrideEnd = 'merged' | 'expired';

export interface EndedOverride {
  region: string;
  why: OverrideEnd;
  override: DrainOverride;
}

export interface OverlayResult {
  /** The manifest as the planner should see it; `desired` itself when nothing applies. */
  desired: DesiredState;
  /** Regions drained by an override in this plan, sorted. */
  applied: string[];
  /** Overrides that no longer apply (to be cleared from the control state), sorted by region. */
  ended: EndedOverride[];
}

/** The manifest with the drain overrides that still apply at `now`. */
export function overlayDrains(desired: DesiredState, drains: DrainOverrides | undefined, now: number): OverlayResult {
  const byCode = new Map(desired.regions.map((region) => [region.code, region]));
  const applied: string[] = [];
  const ended: EndedOverride[] = [];
  for (const code of Object.keys(drains ?? {}).sort(compareStrings)) {
    const override = drains![code]!;
    const region = byCode.get(code);
    if (!region || region.state !== 'active') ended.push({ region: code, why: 'merged', override });
    else if (now >= override.until) ended.push({ region: code, why: 'expired', override });
    else applied.push(code);
  }
  if (applied.length === 0) return { desired, applied, ended };
  const drained = new Set(applied);
  return { desired: { ...desired, regions: desired.regions.map((region) => (drained.has(region.code) ? drainedNow(region) : region)) }, applied, ended };
}

/** The region taking no traffic: standby, and no failover role (its failover record goes). */
function drainedNow(region: DesiredRegion): DesiredRegion {
  const { failover: _role, ...rest } = region;
  return { ...rest, state: 'standby' };
}
