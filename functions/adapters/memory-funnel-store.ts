// The in-memory twin of dynamo-funnel-store.ts (same conditional semantics), for unit tests,
// replay and the demo.
import { deepCopy } from '#adapters/deep-copy';
import { FUNNEL_COUNTERS, withRecentClick, type ArmMembership, type ArmTotals, type CampaignClick, type FunnelCounts, type FunnelKey, type FunnelRow, type FunnelStore, type OrderAttribution } from '#core/funnel-store';

const zero = (): FunnelCounts => ({ sent: 0, clicks: 0, conversions: 0, revenueCents: 0, members: 0, converted: 0, convertedRevenueCents: 0 });
const rowId = (key: FunnelKey) => JSON.stringify([key.campaignId, key.occurrenceId, key.arm]);

export class MemoryFunnelStore implements FunnelStore {
  private readonly rows = new Map<string, FunnelRow>();
  private readonly totals = new Map<string, ArmTotals>();
  private readonly clickers = new Set<string>();
  private readonly lastClicks = new Map<string, CampaignClick[]>();
  private readonly memberships = new Map<string, Map<string, { membership: ArmMembership; expiresAtMs: number }>>();
  private readonly converted = new Set<string>();
  private readonly attributions = new Map<string, OrderAttribution & { refundKeys: string[] }>();

  async addCounts(key: FunnelKey, counts: Partial<FunnelCounts>): Promise<void> {
    const id = rowId(key);
    const row = this.rows.get(id) ?? { ...key, ...zero() };
    const totalId = JSON.stringify([key.campaignId, key.arm]);
    const total = this.totals.get(totalId) ?? { campaignId: key.campaignId, arm: key.arm, ...zero() };
    for (const name of FUNNEL_COUNTERS) {
      row[name] += counts[name] ?? 0;
      total[name] += counts[name] ?? 0;
    }
    this.rows.set(id, row);
    this.totals.set(totalId, total);
  }

  async campaignTotals(campaignId: string): Promise<ArmTotals[]> {
    return [...this.totals.values()].filter((t) => t.campaignId === campaignId).sort((a, b) => (a.arm < b.arm ? -1 : 1)).map((t) => ({ ...t }));
  }

  async listFunnel(campaignId: string): Promise<FunnelRow[]> {
    return [...this.rows.values()]
      .filter((row) => row.campaignId === campaignId)
      .sort((a, b) => (a.occurrenceId === b.occurrenceId ? (a.arm < b.arm ? -1 : 1) : a.occurrenceId < b.occurrenceId ? -1 : 1))
      .map((row) => ({ ...row }));
  }

  async markClicker(key: FunnelKey, customerId: string, _atMs?: number): Promise<boolean> {
    const id = JSON.stringify([key.occurrenceId, customerId]);
    if (this.clickers.has(id)) return false;
    this.clickers.add(id);
    return true;
  }

  async putRecentClick(customerId: string, click: CampaignClick): Promise<boolean> {
    const next = withRecentClick(this.lastClicks.get(customerId) ?? [], { ...click });
    if (!next) return false;
    this.lastClicks.set(customerId, next);
    return true;
  }

  async recentClicks(customerId: string): Promise<CampaignClick[]> {
    return (this.lastClicks.get(customerId) ?? []).map((c) => ({ ...c }));
  }

  async putMembership(customerId: string, membership: ArmMembership, expiresAtMs: number): Promise<void> {
    const own = this.memberships.get(customerId) ?? new Map();
    if (!own.has(membership.occurrenceId)) own.set(membership.occurrenceId, { membership: { ...membership }, expiresAtMs });
    this.memberships.set(customerId, own);
  }

  async membershipsOf(customerId: string): Promise<ArmMembership[]> {
    return [...(this.memberships.get(customerId)?.values() ?? [])].map((m) => ({ ...m.membership })).sort((a, b) => a.atMs - b.atMs);
  }

  async markConverted(customerId: string, occurrenceId: string, _orderId?: string): Promise<boolean> {
    const id = JSON.stringify([customerId, occurrenceId]);
    if (!this.memberships.get(customerId)?.has(occurrenceId) || this.converted.has(id)) return false;
    this.converted.add(id);
    return true;
  }

  async claimAttribution(attribution: OrderAttribution): Promise<boolean> {
    if (this.attributions.has(attribution.orderId)) return false;
    this.attributions.set(attribution.orderId, { ...deepCopy(attribution), refundKeys: [] });
    return true;
  }

  async getAttribution(orderId: string): Promise<OrderAttribution | undefined> {
    const stored = this.attributions.get(orderId);
    if (!stored) return undefined;
    const { refundKeys: _keys, ...attribution } = deepCopy(stored);
    return attribution;
  }

  async refundAttribution(orderId: string, refundKey: string, amountCents: number): Promise<number> {
    const stored = this.attributions.get(orderId);
    if (!stored || stored.source === 'none' || stored.refundKeys.includes(refundKey)) return 0;
    const cents = Math.max(0, Math.min(amountCents, stored.totalCents - stored.refundedCents));
    stored.refundKeys.push(refundKey);
    stored.refundedCents += cents;
    return cents;
  }

  /**
   * GDPR erase, as DynamoDB's partition and click deletes: the customer's last click, memberships
   * (with their conversion marks) and unique-clicker marks of these occurrences; answers how many.
   */
  eraseCustomer(customerId: string, occurrenceIds: readonly string[]): number {
    let n = (this.lastClicks.delete(customerId) ? 1 : 0) + (this.memberships.get(customerId)?.size ?? 0);
    for (const occurrenceId of this.memberships.get(customerId)?.keys() ?? []) this.converted.delete(JSON.stringify([customerId, occurrenceId]));
    this.memberships.delete(customerId);
    for (const occurrenceId of occurrenceIds) if (this.clickers.delete(JSON.stringify([occurrenceId, customerId]))) n++;
    return n;
  }
}

export const createMemoryFunnelStore = (): MemoryFunnelStore => new MemoryFunnelStore();
