/** The opt-in JSON counters of a server. */
export interface DeliveryStatsSnapshot {
  /** Page requests handled. */
  requests: number;
  /** Page requests carrying a usable digest. */
  digestsSeen: number;
  /** Page requests whose digest was malformed (treated as no digest). */
  invalidDigests: number;
  /** Assets pushed, streamed with a body, or hinted. */
  assetsPushed: number;
  /** Assets not sent because the client held them. */
  assetsSkipped: number;
  /** Bytes of the pushed, streamed or hinted assets (the summary header's `bytes`). */
  bytesPushed: number;
  /** Bytes of the assets skipped because the client held them. */
  bytesSaved: number;
}

/** Counters over all page requests of one server. */
export class DeliveryStats {
  private readonly counts: DeliveryStatsSnapshot = {
    requests: 0,
    digestsSeen: 0,
    invalidDigests: 0,
    assetsPushed: 0,
    assetsSkipped: 0,
    bytesPushed: 0,
    bytesSaved: 0,
  };

  /** Adds one page request's figures. */
  record(request: { digest: 'none' | 'valid' | 'invalid'; pushed: number; skipped: number; bytesPushed: number; bytesSaved: number }): void {
    const counts = this.counts;
    counts.requests++;
    if (request.digest === 'valid') counts.digestsSeen++;
    if (request.digest === 'invalid') counts.invalidDigests++;
    counts.assetsPushed += request.pushed;
    counts.assetsSkipped += request.skipped;
    counts.bytesPushed += request.bytesPushed;
    counts.bytesSaved += request.bytesSaved;
  }

  /** A copy of the counters. */
  snapshot(): DeliveryStatsSnapshot {
    return { ...this.counts };
  }

  toJSON(): DeliveryStatsSnapshot {
    return this.snapshot();
  }
}
