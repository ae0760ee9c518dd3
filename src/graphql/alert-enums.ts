// The enums alerts and rules share (detections.md §1, §4): GraphQL names in upper case, stored values in
// lower case, and the mapping between them written once.
import 'reflect-metadata';
import { registerEnumType } from 'type-graphql';
import type { AlertStatus as StoredStatus, EntityType as StoredEntity, Level as StoredLevel } from '../detections/schema.js';

export enum AlertLevel {
  INFO = 'info',
  LOW = 'low',
  MEDIUM = 'medium',
  HIGH = 'high',
  CRITICAL = 'critical',
}

export enum AlertStatus {
  OPEN = 'open',
  ACKNOWLEDGED = 'acknowledged',
  RESOLVED = 'resolved',
}

export enum AlertEntityType {
  USER = 'user',
  API_KEY = 'api_key',
  ORGANIZATION = 'organization',
  GROUP = 'group',
}

registerEnumType(AlertLevel, { name: 'AlertLevel', description: 'How urgent an alert is, from info to critical.' });
registerEnumType(AlertStatus, {
  name: 'AlertStatus',
  description: 'open until someone acknowledges or resolves it (acknowledgeAlert, resolveAlert: they need the write token).',
});
registerEnumType(AlertEntityType, { name: 'AlertEntityType', description: 'What an alert is about.' });

/** The enum values are the stored values: these only narrow the types. */
export const toLevel = (value: string): AlertLevel => value as StoredLevel as AlertLevel;
export const toStatus = (value: string): AlertStatus => value as StoredStatus as AlertStatus;
export const toEntityType = (value: string): AlertEntityType => value as StoredEntity as AlertEntityType;
