/**
 * JSON schemas of the command bodies. Fastify validates against them before a handler runs, so a bad
 * body is answered 400 naming the offending field and nothing reaches the leader. Money travels as a
 * decimal string so that no float ever rounds it.
 */
const money = { type: 'string', pattern: '^[0-9]{1,10}(\\.[0-9]{1,2})?$', description: 'decimal string, e.g. "12.50"' };
const id = { type: 'integer', minimum: 1 };
const attributes = { type: 'object' };

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
};

export const newCustomer = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name'],
  properties: {
    email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 254 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    attributes,
  },
};

export const newProduct = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'name', 'price'],
  properties: {
    sku: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    price: money,
    description: { type: 'string', maxLength: 1_000_000 },
    attributes,
  },
};

export const newPrice = {
  type: 'object',
  additionalProperties: false,
  required: ['price'],
  properties: { price: money },
};

export const newOrder = {
  type: 'object',
  additionalProperties: false,
  required: ['customerId', 'items'],
  properties: {
    customerId: id,
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['productId', 'quantity'],
        properties: { productId: id, quantity: { type: 'integer', minimum: 1, maximum: 10_000 } },
      },
    },
    shippingAddress: attributes,
    note: { type: 'string', maxLength: 100_000 },
  },
};
