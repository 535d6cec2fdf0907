// Builds the EnhancementJob CustomResourceDefinition from the zod schema: structural OpenAPI v3 schema,
// status subresource, printer columns, and the CEL rules zod cannot say.
import { z } from 'zod';
import { EnhancementSpec } from '../jobs/spec.ts';
import {
  API_VERSION,
  EnhancementJobStatus,
  GROUP,
  JOB_NAME_PATTERN,
  KIND,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from './enhancement-job.ts';
import { toStructuralSchema, type SchemaNode } from './structural-schema.ts';

/** What `kubectl explain enhancementjob.spec` shows; the zod schema in spec.ts is shared, so they live here. */
const SPEC_DESCRIPTIONS: Record<string, string> = {
  source: 'What to enhance: exactly one of imageId, videoId or url.',
  model: 'A model name from models/ (see `pixelforge models list`).',
  scale: "The model's native scale; defaults to the model's own.",
  outscale: 'Final scale relative to the input; the native result is resized with lanczos3.',
  size: 'An absolute output size (width, height or both; fit inside, cover or fill) instead of outscale.',
  tile: 'Tile size and overlap in input pixels; chosen from the memory budget when absent.',
  output: 'Format and quality of the stored result (images).',
  video: 'Container, codec, CRF, preset and segment length of the result (videos).',
  priority: 'Higher runs first when the running-jobs cap is reached (-1000..1000).',
  cancel: 'Set to true to stop the job; it cannot be set back.',
};

/** Validations that need the old object or the name, which zod cannot express. */
const SPEC_RULES = [
  {
    rule: 'self.source == oldSelf.source && self.model == oldSelf.model',
    message: 'source and model cannot change; create a new EnhancementJob instead',
  },
  {
    rule: '!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)',
    message: 'a cancelled job cannot be resumed',
  },
];
const ROOT_RULES = [
  {
    rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches('${JOB_NAME_PATTERN.source}')`,
    message: 'the name must be a DNS label (at most 63 lower-case letters, digits and dashes)',
  },
];

const PRINTER_COLUMNS = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Progress', type: 'string', jsonPath: '.status.progress.summary' },
  { name: 'Model', type: 'string', jsonPath: '.spec.model' },
  { name: 'Image', type: 'string', jsonPath: '.spec.source.imageId', priority: 1 },
  { name: 'Video', type: 'string', jsonPath: '.spec.source.videoId', priority: 1 },
  { name: 'Priority', type: 'integer', jsonPath: '.spec.priority', priority: 1 },
  { name: 'Attempts', type: 'integer', jsonPath: '.status.attempts', priority: 1 },
  { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

function jsonSchemaOf(schema: z.ZodType): SchemaNode {
  // `input`: fields with defaults are optional and carry `default`, which the API server then applies.
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as SchemaNode;
}

/** The structural schema of `spec`, with descriptions and transition rules. */
export function specSchema(): SchemaNode {
  const spec = toStructuralSchema(jsonSchemaOf(EnhancementSpec), 'spec');
  const properties = spec.properties as Record<string, SchemaNode>;
  for (const [name, description] of Object.entries(SPEC_DESCRIPTIONS)) {
    if (!properties[name]) throw new Error(`SPEC_DESCRIPTIONS names ${name}, which the spec lacks`);
    properties[name] = { description, ...properties[name] };
  }
  return {
    description: 'Desired state: what to enhance and how.',
    ...spec,
    'x-kubernetes-validations': SPEC_RULES,
  };
}

/** The structural schema of `status`. */
export function statusSchema(): SchemaNode {
  return {
    description: 'Observed state, written by the controller.',
    ...toStructuralSchema(jsonSchemaOf(EnhancementJobStatus), 'status'),
  };
}

/** The CustomResourceDefinition object (apiextensions.k8s.io/v1), deterministic for a given schema. */
export function enhancementJobCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'pixelforge' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        plural: PLURAL,
        singular: SINGULAR,
        kind: KIND,
        listKind: `${KIND}List`,
        shortNames: [...SHORT_NAMES],
        categories: ['pixelforge'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: {
            openAPIV3Schema: {
              description: `An image or video enhancement (${API_VERSION}): the controller runs a worker for it.`,
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: specSchema(),
                status: statusSchema(),
              },
              'x-kubernetes-validations': ROOT_RULES,
            },
          },
        },
      ],
    },
  };
}
