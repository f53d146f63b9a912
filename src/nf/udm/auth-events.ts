// Nudm_UEAU ConfirmAuth (TS 29.503 5.4.2.3): the AUSF reports the result of each authentication
// and the UDM keeps it as the subscriber's authentication status (the UDR's AuthEvent of TS 29.505
// authentication-status): the latest per SUPI, replaced by the next, removed with the
// subscription.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { problem } from '../../sbi/problem-details.js';
import { prepareQuery } from '../../store/prepared-query.js';
import { checkSupiText } from './authentication-subscriptions.js';
import { prepareSubscriptionExists, type AuthEventsTable, type UdmStore } from './store.js';
import type { AuthEvent, AuthType, StoredAuthEvent } from './ueau-types.js';

export class AuthEventService {
  readonly #subscribed;
  readonly #upsert;

  constructor(
    private readonly store: UdmStore,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#subscribed = prepareSubscriptionExists(store.db);
    this.#upsert = prepareQuery(store.db, (db, p: AuthEventsTable) => {
      const latest = {
        auth_event_id: p.auth_event_id,
        nf_instance_id: p.nf_instance_id,
        success: p.success,
        time_stamp: p.time_stamp,
        auth_type: p.auth_type,
        serving_network_name: p.serving_network_name,
        received_at: p.received_at,
      };
      return db
        .insertInto('auth_events')
        .values({ supi: p.supi, ...latest })
        .onConflict((oc) => oc.column('supi').doUpdateSet(latest));
    });
  }

  /** Stores the event as the SUPI's latest; 404 USER_NOT_FOUND without a subscription. */
  async record(supi: string, event: AuthEvent): Promise<StoredAuthEvent> {
    checkSupiText(supi);
    const row: AuthEventsTable = {
      supi,
      auth_event_id: randomUUID(),
      nf_instance_id: event.nfInstanceId,
      success: event.success ? 1 : 0,
      time_stamp: event.timeStamp,
      auth_type: event.authType,
      serving_network_name: event.servingNetworkName,
      received_at: new Date().toISOString(),
    };
    const stored = await this.store.db.transaction().execute(async (trx) => {
      if (!(await this.#subscribed.takeFirst(trx, { supi }))) return false;
      await this.#upsert.execute(trx, row);
      return true;
    });
    if (!stored) throw userNotFound(supi);
    this.log.info(
      {
        supi,
        authEventId: row.auth_event_id,
        success: event.success,
        authType: event.authType,
        servingNetworkName: event.servingNetworkName,
      },
      'authentication event stored',
    );
    return toEvent(row);
  }

  /** The SUPI's latest event; 404 (CONTEXT_NOT_FOUND) when none was reported. */
  async latest(supi: string): Promise<StoredAuthEvent> {
    checkSupiText(supi);
    const row = await this.store.db
      .selectFrom('auth_events')
      .selectAll()
      .where('supi', '=', supi)
      .executeTakeFirst();
    if (!row) {
      throw problem(404, 'CONTEXT_NOT_FOUND', `no authentication event for ${supi}`);
    }
    return toEvent(row);
  }
}

function userNotFound(supi: string) {
  return problem(404, 'USER_NOT_FOUND', `no authentication subscription for ${supi}`);
}

function toEvent(row: AuthEventsTable): StoredAuthEvent {
  return {
    supi: row.supi,
    authEventId: row.auth_event_id,
    nfInstanceId: row.nf_instance_id,
    success: row.success === 1,
    timeStamp: row.time_stamp,
    authType: row.auth_type as AuthType,
    servingNetworkName: row.serving_network_name,
  };
}
