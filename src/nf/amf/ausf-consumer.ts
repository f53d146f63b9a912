// What the AMF needs of the AUSF (TS 29.509 Nausf_UEAuthentication), in the AMF's own terms: the
// answers of AusfClient normalised, so the registration logic neither parses links nor guesses
// which of the contract's shapes an answer has. The only way the AMF reaches the AUSF.
import { AusfClient, type AusfClientOptions } from '../ausf/client.js';
export type AusfAuthenticationCtx =
  | {
      authType: '5G_AKA';
      authCtxId: string;
      /** the serving network's part of the 5G HE AV (lower-case hex) */
      av: { rand: string; autn: string; hxresStar: string };
    }
  | { authType: 'EAP_AKA_PRIME'; authCtxId: string; eapPayload: string };

export interface AusfAuthenticationRequest {
  supiOrSuci: string;
  servingNetworkName: string;
  resynchronizationInfo?: { rand: string; auts: string };
}

export interface AusfConfirmation {
  authResult: string;
  supi?: string;
  /** hex */
  kseaf?: string;
}

export interface AusfEapAnswer {
  eapPayload: string;
  authResult?: string;
  supi?: string;
  /** hex */
  kSeaf?: string;
}

export interface AusfApi {
  authenticate(request: AusfAuthenticationRequest): Promise<AusfAuthenticationCtx>;
  confirm5gAka(authCtxId: string, resStar: string): Promise<AusfConfirmation>;
  eapSession(authCtxId: string, eapPayload: string): Promise<AusfEapAnswer>;
}

/** The AMF's view of AusfClient. */
export function ausfConsumer(options: AusfClientOptions | AusfClient): AusfApi {
  const client = options instanceof AusfClient ? options : new AusfClient(options);
  return {
    async authenticate(request) {
      const ctx = await client.authenticate(request);
      if (ctx.authType === '5G_AKA') {
        const { rand, autn, hxresStar } = ctx['5gAuthData'];
        return {
          authType: '5G_AKA',
          authCtxId: ctx.authCtxId,
          av: { rand: rand.toLowerCase(), autn: autn.toLowerCase(), hxresStar },
        };
      }
      return { authType: 'EAP_AKA_PRIME', authCtxId: ctx.authCtxId, eapPayload: ctx['5gAuthData'] };
    },
    confirm5gAka: (authCtxId, resStar) => client.confirm5gAka(authCtxId, resStar),
    eapSession: (authCtxId, eapPayload) => client.eapSession(authCtxId, eapPayload),
  };
}
