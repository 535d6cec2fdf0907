// The review workflow of an image: new → review → accepted | deleted.
import { z } from 'zod';

export const IMAGE_STATUSES = ['new', 'review', 'accepted', 'deleted'] as const;
export const ImageStatus = z.enum(IMAGE_STATUSES);
export type ImageStatus = z.infer<typeof ImageStatus>;

/** A zero for every status, in workflow order: the shape of statistics answers. */
export function zeroCounts(): Record<ImageStatus, number> {
  return { new: 0, review: 0, accepted: 0, deleted: 0 };
}
