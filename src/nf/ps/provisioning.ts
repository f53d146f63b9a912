// Step 2: an accepted session's credentials are generated and the push to the credentials holder
// is queued in one transaction (begin); the worker pushes them (runOutboxItem) and, once the
// holder has them, builds the bundle for the UE and makes the session ready. Everything that
// withdraws credentials goes through the same outbox: a session that fails after its push
// (compensation), a re-onboarding that replaces older credentials (rotation), an operator's
// revocation. Every decision is a log event with the UEID; no secret is ever logged.
import { SessionWatch } from './session-watch.js';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { JWK } from 'jose';
import type { Kysely } from 'kysely';
import { toBase64url, toHex } from '../../lib/bytes.js';
import type {
  CredentialBundle,
  SnpnId,
  SuciParameters,
} from '../../lib/onboarding/credential-bundle.js';
import { seal, unseal } from '../../lib/seal.js';
import { prepareQuery } from '../../store/prepared-query.js';
import { SbiClientError } from '../../sbi/client.js';
import type { AcceptedDevice } from './appraisal.js';
import { encryptInline, type BundleEncryptor } from './bundle-thread.js';
import { OnboardingFailure, TransientFailure, type OnboardingCause } from './causes.js';
import type { AuthMethod, ProvisioningConfig, SuciScheme } from './config.js';
import type { CredentialIssuer } from './credentials.js';
import type { Outbox, OutboxItem } from './outbox.js';
import {
  lockUeid,
  prepareSessionById,
  writeTransaction,
  type PsDatabase,
  type PsStore,
  type SessionStatus,
  type SessionsTable,
} from './store.js';

/** What the PS needs of the UDM's credential provisioning API (UdmClient has it). */
export interface CredentialsHolder {
  putAuthenticationSubscription(
    supi: string,
    subscription: {
      authenticationMethod: AuthMethod;
      k: Uint8Array;
      opc: Uint8Array;
      amf: string;
      sqn: string;
      /** the bundle's notAfter: the holder authenticates no one with them after it */
      notAfter?: string;
    },
  ): Promise<'created' | 'replaced'>;
  deleteAuthenticationSubscription(supi: string): Promise<void>;
  homeNetworkKeys(): Promise<{
    keys: { scheme: 'A' | 'B'; hnKeyId: number; hnPublicKey: string }[];
  }>;
}

export const sessionAad = (sessionId: string, what: 'k' | 'opc') =>
  `ps.sessions.${what}:${sessionId}`;
export const ackDigest = (ackToken: string) => createHash('sha256').update(ackToken).digest('hex');

const NOT_FINAL: SessionStatus[] = ['attesting', 'provisioning', 'ready'];

/** The UDM's home network public keys, fetched once and again when a scheme is missing. */
class HomeNetworkKeys {
  #keys: { scheme: 'A' | 'B'; hnKeyId: number; hnPublicKey: string }[] | undefined;
  #fetchedAt = 0;

  constructor(
    private readonly holder: CredentialsHolder,
    private readonly clock: () => number,
  ) {}

  async forScheme(
    scheme: 'A' | 'B',
  ): Promise<{ hnKeyId: number; hnPublicKey: string } | undefined> {
    const pick = () =>
      this.#keys?.filter((k) => k.scheme === scheme).sort((a, b) => b.hnKeyId - a.hnKeyId)[0];
    if (pick() === undefined && this.clock() - this.#fetchedAt > 5000) {
      try {
        this.#keys = (await this.holder.homeNetworkKeys()).keys;
        this.#fetchedAt = this.clock();
      } catch (err) {
        throw new TransientFailure(`the UDM's home network keys: ${(err as Error).message}`);
      }
    }
    return pick();
  }
}

export class Provisioning {
  readonly #hnKeys: HomeNetworkKeys;
  readonly #q;

  constructor(
    private readonly store: PsStore,
    private readonly kek: Uint8Array,
    private readonly config: ProvisioningConfig,
    private readonly issuer: CredentialIssuer,
    private readonly outbox: Outbox,
    private readonly holder: CredentialsHolder,
    private readonly log: FastifyBaseLogger,
    private readonly clock: () => number,
    /** wakes the UEs long-polling a session whose status changes */
    private readonly watch: SessionWatch = new SessionWatch(),
    /** makes the bundle's JWE (on a thread of its own in serve: bundle-thread.ts) */
    private readonly encryptBundle: BundleEncryptor = encryptInline,
  ) {
    this.#hnKeys = new HomeNetworkKeys(holder, clock);
    this.#q = provisioningQueries(store.db);
  }

  /**
   * In the accepting transaction: attesting -> provisioning, credentials issued and sealed, the
   * push queued, older unfinished sessions of the UEID superseded. False when the session is no
   * longer attesting (another worker or a newer onboarding got there first).
   */
  async begin(
    trx: Kysely<PsDatabase>,
    session: SessionsTable,
    accepted: AcceptedDevice,
  ): Promise<boolean> {
    const now = this.#iso();
    const { rule } = accepted;
    const snpn = this.config.snpns[rule.snpn]!;
    await lockUeid(this.store, trx, session.ueid);
    if ((await this.#q.startProvisioning.affected(trx, { id: session.id, now })) === 0n) {
      return false;
    }

    const credentials = await this.issuer.issue(trx, {
      rule,
      snpn,
      ueid: session.ueid,
      sessionId: session.id,
      now,
    });
    const snpnId: SnpnId = { mcc: snpn.mcc, mnc: snpn.mnc, nid: snpn.nid };
    await this.#q.setCredentials.execute(trx, {
      id: session.id,
      ear_status: accepted.status,
      device_class: accepted.deviceClass ?? null,
      policy_rule: rule.name,
      cnf: JSON.stringify(accepted.cnf),
      snpn: JSON.stringify(snpnId),
      auth_method: rule.authMethod,
      suci_scheme: rule.suciScheme,
      routing_indicator: snpn.routingIndicator,
      supi: credentials.supi,
      k_sealed: seal(this.kek, credentials.k, sessionAad(session.id, 'k')),
      opc_sealed: seal(this.kek, credentials.opc, sessionAad(session.id, 'opc')),
      amf: credentials.amf,
      sqn: credentials.sqn,
      not_after: new Date(this.clock() + this.config.credentials.validityMs).toISOString(),
    });
    await this.outbox.enqueuePut(trx, credentials.supi, session);

    const older = await this.#q.unfinishedOthers.rows(trx, { ueid: session.ueid, id: session.id });
    for (const { id } of older) {
      await this.fail(
        trx,
        id,
        'SUPERSEDED',
        `a newer onboarding of this UEID (session ${session.id}) replaced this one`,
      );
    }
    this.log.info(
      {
        event: 'provisioning',
        ueid: session.ueid,
        sessionId: session.id,
        rule: rule.name,
        snpn: snpn.name,
        supi: credentials.supi,
        superseded: older.length,
      },
      'credentials issued; push to the UDM queued',
    );
    return true;
  }

  /**
   * Fails a session that is not final yet, inside the caller's transaction: its secrets are
   * wiped, and if it has a SUPI the holder is told to drop it (compensation).
   */
  async fail(
    trx: Kysely<PsDatabase>,
    sessionId: string,
    cause: OnboardingCause,
    detail: string,
  ): Promise<boolean> {
    const now = this.#iso();
    const row = await trx
      .updateTable('sessions')
      .set({
        status: 'failed',
        failure_cause: cause,
        failure_detail: detail,
        k_sealed: null,
        opc_sealed: null,
        credentials: null,
        leased_until: null,
        updated_at: now,
      })
      .where('id', '=', sessionId)
      .where('status', 'in', NOT_FINAL)
      .returning(['ueid', 'supi'])
      .executeTakeFirst();
    if (!row) return false;
    // Before the caller commits: a waiter woken early re-reads within RECHECK_MS.
    this.watch.changed(sessionId);
    const compensating = row.supi !== null && (await this.outbox.requestDelete(trx, row.supi));
    this.log.info(
      {
        event: 'session-failed',
        ueid: row.ueid,
        sessionId,
        cause,
        detail,
        ...(row.supi ? { supi: row.supi } : {}),
        compensating,
      },
      compensating
        ? 'session failed; its credentials are withdrawn from the UDM'
        : 'session failed',
    );
    return true;
  }

  /** Works one claimed outbox row: a push of credentials, or a withdrawal. */
  async runOutboxItem(item: OutboxItem): Promise<void> {
    if (item.operation === 'delete') return this.#withdraw(item);
    const session = await this.#q.sessionById.takeFirst(this.store.db, { id: item.session_id });
    if (
      !session ||
      session.status !== 'provisioning' ||
      session.k_sealed === null ||
      session.opc_sealed === null
    ) {
      // The session moved on; its intent for the holder must be "delete" (a crash between the
      // two writes is impossible, they share a transaction, but a stale row must not spin).
      await writeTransaction(this.store, (trx) => this.outbox.requestDelete(trx, item.supi));
      await this.outbox.release(item);
      return;
    }
    try {
      const k = unseal(this.kek, session.k_sealed, sessionAad(session.id, 'k'));
      const opc = unseal(this.kek, session.opc_sealed, sessionAad(session.id, 'opc'));
      const result = await this.holder.putAuthenticationSubscription(item.supi, {
        authenticationMethod: session.auth_method as AuthMethod,
        k,
        opc,
        amf: session.amf!,
        sqn: session.sqn!,
        ...(session.not_after !== null ? { notAfter: session.not_after } : {}),
      });
      this.log.info(
        {
          event: 'push',
          ueid: session.ueid,
          sessionId: session.id,
          supi: item.supi,
          result,
          attempt: item.attempts,
        },
        'credentials pushed to the UDM',
      );
      await this.#makeReady(item, session, { k, opc });
    } catch (err) {
      await this.#pushFailed(item, session, err);
    }
  }

  /** The holder has the credentials (K and OPc, as pushed): the bundle is built and the session becomes ready. */
  async #makeReady(
    item: OutboxItem,
    session: SessionsTable,
    pushed: { k: Uint8Array; opc: Uint8Array },
  ): Promise<void> {
    const suci = await this.#suciParameters(session);
    const ackToken = toBase64url(randomBytes(32));
    const bundle: CredentialBundle = {
      supi: session.supi!,
      k: toHex(pushed.k),
      opc: toHex(pushed.opc),
      amf: session.amf!,
      sqn: session.sqn!,
      authMethod: session.auth_method as AuthMethod,
      snpn: JSON.parse(session.snpn!) as SnpnId,
      suci,
      ackToken,
      notAfter: session.not_after!,
    };
    const jwe = await this.encryptBundle(bundle, JSON.parse(session.cnf!) as JWK);
    const now = this.#iso();
    const rotated = await writeTransaction(this.store, async (trx) => {
      await lockUeid(this.store, trx, session.ueid);
      if (!(await this.outbox.complete(trx, item))) return undefined;
      const ready = await this.#q.markReady.affected(trx, {
        id: session.id,
        credentials: jwe,
        ack_digest: ackDigest(ackToken),
        now,
      });
      if (ready === 0n) {
        // Failed meanwhile: what was just pushed must go again.
        await this.outbox.requestDelete(trx, item.supi);
        return undefined;
      }
      return this.#rotate(trx, session);
    });
    if (rotated === undefined) return;
    this.watch.changed(session.id);
    this.log.info(
      {
        event: 'ready',
        ueid: session.ueid,
        sessionId: session.id,
        supi: session.supi,
        revoked: rotated,
      },
      rotated.length > 0
        ? 'credentials ready for the UE; the credentials of earlier onboardings are revoked'
        : 'credentials ready for the UE',
    );
  }

  /** Re-onboarding: the UEID's earlier delivered credentials no longer count; the UDM drops them. */
  async #rotate(trx: Kysely<PsDatabase>, session: SessionsTable): Promise<string[]> {
    const earlier = await this.#q.deliveredOthers.rows(trx, { ueid: session.ueid, id: session.id });
    return this.#revoke(trx, session.ueid, earlier, `re-onboarded in session ${session.id}`);
  }

  async #revoke(
    trx: Kysely<PsDatabase>,
    ueid: string,
    sessions: { id: string; supi: string | null }[],
    reason: string,
  ): Promise<string[]> {
    const now = this.#iso();
    const supis: string[] = [];
    for (const old of sessions) {
      await trx
        .updateTable('sessions')
        .set({ revoked_at: now, updated_at: now })
        .where('id', '=', old.id)
        .execute();
      if (old.supi !== null) {
        await this.outbox.requestDelete(trx, old.supi);
        supis.push(old.supi);
      }
      this.log.info(
        { event: 'revocation', ueid, sessionId: old.id, supi: old.supi, reason },
        'credentials revoked; the UDM is told to delete them',
      );
    }
    return supis;
  }

  async #pushFailed(item: OutboxItem, session: SessionsTable, err: unknown): Promise<void> {
    const permanent =
      err instanceof OnboardingFailure ||
      (err instanceof SbiClientError &&
        err.status >= 400 &&
        err.status < 500 &&
        ![408, 429].includes(err.status));
    const reason = err instanceof Error ? err.message : String(err);
    if (!permanent && !(err instanceof TransientFailure) && !(err instanceof SbiClientError)) {
      // A bug or a store error: logged, and retried like a transient failure.
      this.log.error(
        { event: 'push-error', ueid: session.ueid, sessionId: session.id, err },
        'push failed unexpectedly',
      );
    }
    if (!permanent && (await this.outbox.retryLater(item, reason)) === 'scheduled') {
      this.log.warn(
        {
          event: 'push-retry',
          ueid: session.ueid,
          sessionId: session.id,
          supi: item.supi,
          attempt: item.attempts,
          reason,
        },
        'push to the UDM failed; retrying later',
      );
      return;
    }
    const cause: OnboardingCause = err instanceof OnboardingFailure ? err.code : 'PUSH_FAILED';
    const detail =
      err instanceof OnboardingFailure
        ? err.detail
        : permanent
          ? `the UDM refused the credentials: ${reason}`
          : `the UDM could not be reached in ${item.attempts} attempts: ${reason}`;
    await writeTransaction(this.store, (trx) => this.fail(trx, session.id, cause, detail));
    await this.outbox.release(item);
  }

  /** A compensating or revoking DELETE at the holder; retried until it succeeds. */
  async #withdraw(item: OutboxItem): Promise<void> {
    try {
      await this.holder.deleteAuthenticationSubscription(item.supi);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await this.outbox.retryLater(item, reason);
      const level = item.attempts >= this.config.retry.maxAttempts ? 'error' : 'warn';
      this.log[level](
        {
          event: 'withdraw-retry',
          ueid: item.ueid,
          sessionId: item.session_id,
          supi: item.supi,
          attempt: item.attempts,
          reason,
        },
        'deleting credentials at the UDM failed; retrying later',
      );
      return;
    }
    const done = await writeTransaction(this.store, (trx) => this.outbox.complete(trx, item));
    if (done) {
      this.log.info(
        { event: 'withdrawn', ueid: item.ueid, sessionId: item.session_id, supi: item.supi },
        'credentials deleted at the UDM',
      );
    }
  }

  async #suciParameters(session: SessionsTable): Promise<SuciParameters> {
    const scheme = session.suci_scheme as SuciScheme;
    const routingIndicator = session.routing_indicator!;
    if (scheme === 'null') return { scheme, hnKeyId: 0, routingIndicator };
    const key = await this.#hnKeys.forScheme(scheme);
    if (!key) {
      throw new OnboardingFailure(
        'SUCI_KEY_UNAVAILABLE',
        `the UDM has no home network key for SUCI Profile ${scheme}`,
      );
    }
    return {
      scheme,
      hnPublicKey: key.hnPublicKey.toLowerCase(),
      hnKeyId: key.hnKeyId,
      routingIndicator,
    };
  }

  /** Ready sessions not acknowledged within the delivery timeout fail; the UDM drops their SUPI. */
  async expireUndelivered(): Promise<number> {
    const before = new Date(this.clock() - this.config.onboarding.deliveryTimeoutMs).toISOString();
    const stale = await this.store.db
      .selectFrom('sessions')
      .select('id')
      .where('status', '=', 'ready')
      .where('ready_at', '<', before)
      .limit(100)
      .execute();
    let expired = 0;
    for (const { id } of stale) {
      const failed = await writeTransaction(this.store, async (trx) => {
        const still = await trx
          .selectFrom('sessions')
          .select('id')
          .where('id', '=', id)
          .where('status', '=', 'ready')
          .where('ready_at', '<', before)
          .executeTakeFirst();
        return (
          still !== undefined &&
          this.fail(trx, id, 'DELIVERY_TIMEOUT', 'the credentials were not acknowledged in time')
        );
      });
      if (failed) expired++;
    }
    return expired;
  }

  /** The operator revokes a device: unfinished sessions fail, delivered credentials are deleted. */
  async revokeDevice(ueid: string): Promise<{ revokedSupis: string[] }> {
    return writeTransaction(this.store, async (trx) => {
      await lockUeid(this.store, trx, ueid);
      const sessions = await trx
        .selectFrom('sessions')
        .select(['id', 'status', 'supi'])
        .where('ueid', '=', ueid)
        .where('revoked_at', 'is', null)
        .where('status', 'in', [...NOT_FINAL, 'delivered'])
        .execute();
      const revokedSupis: string[] = [];
      for (const s of sessions.filter((s) => s.status !== 'delivered')) {
        if (await this.fail(trx, s.id, 'CREDENTIALS_REVOKED', 'the operator revoked this device')) {
          if (s.supi !== null) revokedSupis.push(s.supi);
        }
      }
      const delivered = sessions.filter((s) => s.status === 'delivered');
      revokedSupis.push(...(await this.#revoke(trx, ueid, delivered, 'revoked by the operator')));
      return { revokedSupis };
    });
  }

  #iso(): string {
    return new Date(this.clock()).toISOString();
  }
}

/** The queries of every provisioning, prepared once (src/store/prepared-query.ts). */
function provisioningQueries(store: Kysely<PsDatabase>) {
  /** another session of the same UEID */
  type Others = { ueid: string; id: string };
  return {
    sessionById: prepareSessionById(store),
    startProvisioning: prepareQuery(store, (db, p: { id: string; now: string }) =>
      db
        .updateTable('sessions')
        .set({ status: 'provisioning', leased_until: null, updated_at: p.now })
        .where('id', '=', p.id)
        .where('status', '=', 'attesting'),
    ),
    setCredentials: prepareQuery(store, (db, p: AcceptedSession) =>
      db
        .updateTable('sessions')
        .set({
          ear_status: p.ear_status,
          device_class: p.device_class,
          policy_rule: p.policy_rule,
          cnf: p.cnf,
          snpn: p.snpn,
          auth_method: p.auth_method,
          suci_scheme: p.suci_scheme,
          routing_indicator: p.routing_indicator,
          supi: p.supi,
          k_sealed: p.k_sealed,
          opc_sealed: p.opc_sealed,
          amf: p.amf,
          sqn: p.sqn,
          not_after: p.not_after,
        })
        .where('id', '=', p.id),
    ),
    unfinishedOthers: prepareQuery(store, (db, p: Others) =>
      db
        .selectFrom('sessions')
        .select('id')
        .where('ueid', '=', p.ueid)
        .where('id', '!=', p.id)
        .where('status', 'in', NOT_FINAL),
    ),
    markReady: prepareQuery(
      store,
      (db, p: { id: string; credentials: string; ack_digest: string; now: string }) =>
        db
          .updateTable('sessions')
          .set({
            status: 'ready',
            credentials: p.credentials,
            ack_digest: p.ack_digest,
            // The UE gets them in the bundle; the PS needs them no longer.
            k_sealed: null,
            opc_sealed: null,
            ready_at: p.now,
            updated_at: p.now,
          })
          .where('id', '=', p.id)
          .where('status', '=', 'provisioning'),
    ),
    deliveredOthers: prepareQuery(store, (db, p: Others) =>
      db
        .selectFrom('sessions')
        .select(['id', 'supi'])
        .where('ueid', '=', p.ueid)
        .where('id', '!=', p.id)
        .where('status', '=', 'delivered')
        .where('revoked_at', 'is', null),
    ),
  };
}

/** What an accepted session records of its appraisal, policy decision and credentials. */
type AcceptedSession = Pick<
  SessionsTable,
  | 'id'
  | 'ear_status'
  | 'device_class'
  | 'policy_rule'
  | 'cnf'
  | 'snpn'
  | 'auth_method'
  | 'suci_scheme'
  | 'routing_indicator'
  | 'supi'
  | 'k_sealed'
  | 'opc_sealed'
  | 'amf'
  | 'sqn'
  | 'not_after'
>;
