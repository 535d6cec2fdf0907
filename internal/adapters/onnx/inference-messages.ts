// What onnx-runtime.ts and its inference thread (inference-thread.ts) say to each other.

export type InferenceRequest =
  /** Creates the session `key` from a model file's bytes (transferred, not copied). */
  | { id: number; type: 'load'; key: string; bytes: ArrayBuffer }
  /** Runs session `key` on one float32 tensor (transferred). */
  | {
      id: number;
      type: 'run';
      key: string;
      input: Float32Array;
      dims: number[];
      inputName: string;
      outputName: string;
    }
  | { id: number; type: 'release' };

export type InferenceReply =
  | { id: number; type: 'loaded'; inputNames: readonly string[]; outputNames: readonly string[] }
  | { id: number; type: 'ran'; dataType: string; dims: number[]; data: Float32Array }
  | { id: number; type: 'released' }
  | { id: number; type: 'error'; message: string };
