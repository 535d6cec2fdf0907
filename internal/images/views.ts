// What readers of the image read models get back: the API's shapes of images, groups and pages.
import type { ImageStatus } from './status.ts';
import type { ImageOrigin, Variant } from './image.ts';

export interface ImageView {
  id: string;
  group: string;
  groupName: string;
  filename: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
  sha256: string;
  uploader: string | null;
  tags: string[];
  status: ImageStatus;
  /** Who uploaded it (`user:<id>`, `key:<name>`); null for images projected before owners existed. */
  owner: string | null;
  /** Where an imported image came from; null for uploads. */
  origin: ImageOrigin | null;
  url: string;
  variants: (Variant & { url: string })[];
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupView {
  id: string;
  name: string;
  count: number;
  latestChangeAt: Date;
  images: ImageView[];
}

export interface GroupDetail {
  id: string;
  name: string;
  owner: string | null;
  createdAt: Date;
  latestChangeAt: Date;
  count: number;
  statusCounts: Record<ImageStatus, number>;
  /** Where its images are listed. */
  images: string;
}

export interface GroupSummary {
  id: string;
  name: string;
  owner: string | null;
  createdAt: Date;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ImageContent {
  blobKey: string;
  contentType: string;
  size: number;
  sha256: string;
  filename: string;
  variants: Variant[];
  owner: string | null;
}

/** The read side the image service needs (implemented over the read models). */
export interface ImageReadSide {
  image(id: string): Promise<ImageView | null>;
  group(id: string): Promise<GroupSummary | null>;
  /** Where the bytes of an image and its variants are. */
  content(id: string): Promise<ImageContent | null>;
}

/** How far the projector has got, for read-your-writes. */
export interface ProjectionProgress {
  /** Resolves true once the read models include stream sequence `seq`. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean>;
  /** The sequence of the newest event published to the image stream. */
  latestPublished(): Promise<number>;
}
