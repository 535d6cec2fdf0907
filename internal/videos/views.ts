// What readers of the videos read model get back, and the read side the video service needs.
import type { Variant } from '../images/image.ts';
import type { ImageContent, Page } from '../images/views.ts';
import type { UploadedVideo } from './video.ts';

export interface VideoView extends Omit<UploadedVideo, 'videoId' | 'blobKey' | 'uploader'> {
  id: string;
  uploader: string | null;
  owner: string | null;
  /** The frame rate as a number, for display; `frameRate` keeps it exact. */
  fps: number;
  url: string;
  /** The poster's URL once the poster exists, else null. */
  posterUrl: string | null;
  variants: (Variant & { url: string })[];
  createdAt: Date;
  updatedAt: Date;
}

/** Where the bytes of a video and its variants are: the same facts as an image's. */
export type VideoContent = ImageContent;

export interface VideoReadSide {
  video(id: string): Promise<VideoView | null>;
  videoContent(id: string): Promise<VideoContent | null>;
  videos(filter: { limit: number; cursor?: string; owner?: string }): Promise<Page<VideoView>>;
}
