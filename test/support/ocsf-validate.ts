// A small OCSF validator over schema/ocsf/ocsf-1.8-subset.json, doing what the reference validator reports as
// errors (schema/ocsf/README.md, "What the reference validator checks"): required attributes, unknown
// attributes (profiles honoured), JSON types through the type chain, regexes, enum ids, constraints, type_uid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Attr {
  type: string;
  requirement: string;
  is_array: boolean;
  object_type?: string;
  profiles?: string[];
  enum?: Record<string, string>;
}
interface Shape {
  attributes: Record<string, Attr>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}
interface Subset {
  types: Record<string, { base_type?: string; regex?: string; range?: [number, number] }>;
  class_uid_index: Record<string, string>;
  classes: Record<string, Shape & { uid: number; category_uid: number }>;
  objects: Record<string, Shape>;
  unexpanded_object_types: string[];
}

let cached: Subset | null = null;
export function ocsfSubset(): Subset {
  cached ??= JSON.parse(readFileSync(join(import.meta.dirname, '../../schema/ocsf/ocsf-1.8-subset.json'), 'utf8')) as Subset;
  return cached;
}

/** The errors of `event` (empty when valid). */
export function validateOcsf(event: Record<string, unknown>): string[] {
  const s = ocsfSubset();
  const errors: string[] = [];
  const className = s.class_uid_index[String(event.class_uid)];
  if (!className) return [`class_uid ${String(event.class_uid)} is not a class of the subset`];
  const cls = s.classes[className];
  if (event.category_uid !== cls.category_uid) errors.push(`category_uid ${String(event.category_uid)} is not ${cls.category_uid}`);
  if (event.type_uid !== cls.uid * 100 + Number(event.activity_id)) errors.push(`type_uid ${String(event.type_uid)} is not class_uid * 100 + activity_id`);
  const profiles = ((event.metadata as { profiles?: string[] } | undefined)?.profiles ?? []) as string[];
  checkShape(s, cls, event, className, profiles, errors, 0);
  return errors;
}

function applies(a: Attr, profiles: string[]): boolean {
  return !a.profiles || a.profiles.some((p) => profiles.includes(p));
}

function checkShape(s: Subset, shape: Shape, value: Record<string, unknown>, path: string, profiles: string[], errors: string[], depth: number): void {
  for (const [name, a] of Object.entries(shape.attributes)) {
    if (a.requirement === 'required' && applies(a, profiles) && value[name] === undefined) errors.push(`${path}.${name}: required attribute missing`);
  }
  for (const [name, v] of Object.entries(value)) {
    const a = shape.attributes[name];
    if (!a || !applies(a, profiles)) {
      errors.push(`${path}.${name}: unknown attribute`);
      continue;
    }
    if (a.is_array) {
      if (!Array.isArray(v)) errors.push(`${path}.${name}: must be an array`);
      else v.forEach((item, i) => checkValue(s, a, item, `${path}.${name}[${i}]`, profiles, errors, depth));
    } else checkValue(s, a, v, `${path}.${name}`, profiles, errors, depth);
  }
  const c = shape.constraints;
  if (c?.at_least_one && !c.at_least_one.some((k) => value[k] !== undefined)) errors.push(`${path}: needs at least one of ${c.at_least_one.join(', ')}`);
  if (c?.just_one && c.just_one.filter((k) => value[k] !== undefined).length !== 1) errors.push(`${path}: needs exactly one of ${c.just_one.join(', ')}`);
}

function checkValue(s: Subset, a: Attr, v: unknown, path: string, profiles: string[], errors: string[], depth: number): void {
  if (a.type === 'object_t') {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return void errors.push(`${path}: must be an object`);
    const ot = a.object_type!;
    if (ot === 'object' || s.unexpanded_object_types.includes(ot)) return;
    const shape = s.objects[ot];
    if (!shape) return void errors.push(`${path}: object type ${ot} not in the subset`);
    checkShape(s, shape, v as Record<string, unknown>, path, profiles, errors, depth + 1);
    return;
  }
  let t = a.type;
  let regex: string | undefined;
  while (s.types[t]?.base_type) {
    regex ??= s.types[t].regex;
    t = s.types[t].base_type!;
  }
  regex ??= s.types[t]?.regex;
  const ok =
    t === 'json_t' ||
    (t === 'string_t' && typeof v === 'string') ||
    ((t === 'integer_t' || t === 'long_t') && Number.isInteger(v)) ||
    (t === 'float_t' && typeof v === 'number') ||
    (t === 'boolean_t' && typeof v === 'boolean');
  if (!ok) return void errors.push(`${path}: ${JSON.stringify(v)} is not a ${a.type}`);
  if (regex && typeof v === 'string' && !new RegExp(regex).test(v)) errors.push(`${path}: "${v}" does not match the ${a.type} pattern`);
  if (a.enum && !(String(v) in a.enum)) errors.push(`${path}: ${String(v)} is not one of the enum ids ${Object.keys(a.enum).join(', ')}`);
}
