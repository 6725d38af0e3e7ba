// The JSON Schema of check_status's json format, as the README documents it, and a validator
// for the subset it uses (type, required, properties, additionalProperties, items, enum,
// minimum), so the test needs no dependency.
export const CHECK_STATUS_SCHEMA = {
  type: 'object',
  required: ['servers'],
  additionalProperties: false,
  properties: {
    servers: {
      type: 'object',
      required: ['total', 'generation', 'server'],
      additionalProperties: false,
      properties: {
        total: { type: 'integer', minimum: 0 },
        generation: { type: 'integer', minimum: 0 },
        server: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['index', 'upstream', 'name', 'status', 'rise', 'fall', 'type', 'port', 'weight', 'backup',
              'active', 'requests', 'failures', 'checks', 'last_check', 'last_ok', 'last_result', 'response_times_ms'],
            properties: {
              index: { type: 'integer', minimum: 0 },
              upstream: { type: 'string' },
              name: { type: 'string' },
              status: { enum: ['up', 'down'] },
              rise: { type: 'integer', minimum: 0 },
              fall: { type: 'integer', minimum: 0 },
              type: { enum: ['tcp', 'http'] },
              port: { type: 'integer', minimum: 0 },
              weight: { type: 'integer', minimum: 1 },
              backup: { type: 'boolean' },
              active: { type: 'integer', minimum: 0 },
              requests: { type: 'integer', minimum: 0 },
              failures: { type: 'integer', minimum: 0 },
              checks: { type: 'integer', minimum: 0 },
              last_check: { type: ['string', 'null'] },
              last_ok: { type: ['boolean', 'null'] },
              last_result: { type: 'string' },
              response_times_ms: { type: 'array', items: { type: 'number', minimum: 0 } },
            },
          },
        },
      },
    },
  },
} as const;

type Schema = {
  type?: string | readonly string[];
  required?: readonly string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  enum?: readonly unknown[];
  minimum?: number;
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The schema violations of `value`, as "path: problem" lines; empty when it validates. */
export function validate(value: unknown, schema: Schema, at = '$'): string[] {
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${at}: ${t} is not ${types.join('|')}`];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) errors.push(`${at}: ${value} < ${schema.minimum}`);
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${at}: missing ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...validate(v, sub, `${at}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected ${key}`);
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(v, schema.items!, `${at}[${i}]`)));
  return errors;
}
