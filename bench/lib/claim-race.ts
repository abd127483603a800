/**
 * 50 operators race to claim 100 open tasks over the API. Filled in once the task API exists:
 * until then it reports that no race was run (double_claims: null), never a made-up zero.
 */
import type { RunningOrdo } from '../../server/main';
import type { ApiClient } from '../../tests/helpers/server';

export interface ClaimRaceResult {
  summary: string;
  claimsPerS: number | null;
  doubleClaims: number | null;
}

export async function claimRace(ordo: RunningOrdo, _operators: ApiClient[]): Promise<ClaimRaceResult> {
  const hasTasks = ordo.routes.some((r) => r.method === 'post' && /\/api\/tasks\/:[^/]+\/claim$/.test(r.path));
  if (!hasTasks) return { summary: 'claim race: not run (no task API on this build)', claimsPerS: null, doubleClaims: null };
  return { summary: 'claim race: not run (no task API on this build)', claimsPerS: null, doubleClaims: null };
}
