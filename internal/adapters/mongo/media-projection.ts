// The projection of the media stream: image and group events to the image read models, video events to the
// videos read model. Their documents are disjoint, so each applies its own events of a batch, in order.
import type { ProjectionResult, SequencedEvent } from './image-projection.ts';
import { createImageProjection } from './image-projection.ts';
import type { ReadModels } from './read-models.ts';
import { createVideoProjection, isVideoEvent } from './video-projection.ts';

export function createMediaProjection(models: ReadModels) {
  const images = createImageProjection(models);
  const videos = createVideoProjection(models);
  return {
    async applyBatch(items: SequencedEvent[]): Promise<ProjectionResult[]> {
      const isVideo = items.map(({ event }) => isVideoEvent(event));
      const videoItems = items.filter((_, i) => isVideo[i]);
      const imageItems = items.filter((_, i) => !isVideo[i]);
      const [imageResults, videoResults] = await Promise.all([
        imageItems.length ? images.applyBatch(imageItems) : [],
        videoItems.length ? videos.applyBatch(videoItems) : [],
      ]);
      let [nextImage, nextVideo] = [0, 0];
      return isVideo.map((video) => (video ? videoResults[nextVideo++]! : imageResults[nextImage++]!));
    },
  };
}
