// Names, addresses and the actor objects of the reference's actor union (§3.2), built deterministically.
import type { Actor } from '../../api/types.js';
import { Rng, entityId, hash32, randomBase58 } from './random.js';

const FIRST = ['Ada', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jade', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Uma', 'Victor', 'Wen', 'Yara', 'Zoe'];
const LAST = ['Ahmed', 'Brown', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Kim', 'Lopez', 'Muller', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Varga', 'Weber', 'Young', 'Zhang'];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Claude/1.2.3 (Macintosh; Electron)',
  'Claude/1.0 CFNetwork/1496.0.7 Darwin/23.5.0',
];

export interface PersonName {
  fullName: string;
  email: string;
}

export function personName(seed: number, index: number): PersonName {
  const rng = new Rng(hash32(seed, 77, index));
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  return { fullName: `${first} ${last}`, email: `${first}.${last}${index}@acme.example`.toLowerCase() };
}

export function ipFor(seed: number, index: number): string {
  const h = hash32(seed, 91, index);
  return `203.0.${(h >>> 8) & 0xff}.${h & 0xff}`;
}

export function userAgentFor(seed: number, index: number): string {
  return AGENTS[hash32(seed, 92, index) % AGENTS.length];
}

export interface ActorUser {
  id: string;
  email: string;
  index: number;
}

export function userActor(seed: number, u: ActorUser): Actor {
  return {
    type: 'user_actor',
    email_address: u.email,
    user_id: u.id,
    ip_address: ipFor(seed, u.index),
    user_agent: userAgentFor(seed, u.index),
  };
}

export function scimActor(rng: Rng, directoryId: string): Actor {
  return {
    type: 'scim_directory_sync_actor',
    workos_event_id: `event_01${randomBase58(rng, 24)}`,
    directory_id: directoryId,
    idp_connection_type: 'OktaSCIMV2',
  };
}

export function adminApiKeyActor(adminKeyId: string): Actor {
  return { type: 'admin_api_key_actor', admin_api_key_id: adminKeyId, ip_address: '198.51.100.20', user_agent: 'acme-provisioner/2.4' };
}

export function unauthenticatedActor(rng: Rng, email: string | null, seed: number, index: number): Actor {
  return { type: 'unauthenticated_user_actor', ip_address: ipFor(seed, index), user_agent: userAgentFor(seed, index), unauthenticated_email_address: email };
}

export function apiActor(apiKeyId: string): Actor {
  return { type: 'api_actor', api_key_id: apiKeyId, ip_address: '198.51.100.7', user_agent: 'anthropic-sdk-python/0.71.0' };
}

/** The rarer actor variants of the reference (service accounts, federation, devices, Anthropic, system). */
export function exoticActor(rng: Rng, kind: number): Actor {
  switch (kind % 6) {
    case 0:
      return { type: 'service_account_actor', service_account_id: entityId('svcacct', rng), ip_address: '198.51.100.31', user_agent: 'acme-etl/1.0' };
    case 1:
      return { type: 'federated_identity_actor', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:acme/infra:ref:refs/heads/main', audience: ['https://api.anthropic.com'], ip_address: '198.51.100.44', user_agent: 'github-actions' };
    case 2:
      return { type: 'federated_actor', provider: { type: 'aws', account_id: '123456789012', signed_principal: 'arn:aws:sts::123456789012:assumed-role/claude-gateway/session' }, subject: 'claude-gateway', ip_address: '198.51.100.52', user_agent: 'aws-sdk-js/3.700.0' };
    case 3:
      return { type: 'attested_device_actor', external_client_id: `device_${randomBase58(rng, 16)}`, kid_hash: randomBase58(rng, 32), ip_address: '198.51.100.63', user_agent: 'Claude/1.2 iOS' };
    case 4:
      return { type: 'system_actor', service: 'retention_enforcer' };
    default:
      return { type: 'anthropic_actor', email_address: null };
  }
}

/**
 * An actor kind the connector cannot know yet (the union has grown from six to eleven variants in a
 * few months, compliance-api.md §3.2): it must pass through untouched.
 */
export function futureActor(rng: Rng): Actor {
  return { type: 'workload_agent_actor', agent_id: `cagt_01${randomBase58(rng, 22)}`, runtime: { kind: 'managed_agent', region: 'us-east-1' }, ip_address: '198.51.100.77' };
}
