// Stateless operators: element-wise (map, flatMap, filter, keyBy, mapValues) and batch-wise (transform).
import type { ElementNode, TransformNode } from '../../dsl/index.ts';
import type { BatchScope, Receiver, Stage } from './types.ts';

/** The receiver that applies `node`'s function to each value and emits the result to `emit`. */
export function elementReceiver(node: ElementNode, emit: Receiver): Receiver {
  switch (node.kind) {
    case 'map': {
      const fn = node.fn;
      return (value) => emit(fn(value));
    }
    case 'flatMap': {
      const fn = node.fn;
      return (value) => {
        for (const item of fn(value)) emit(item);
      };
    }
    case 'filter': {
      const fn = node.fn;
      return (value) => {
        if (fn(value)) emit(value);
      };
    }
    case 'keyBy': {
      const fn = node.fn;
      return (value) => emit([fn(value), value]);
    }
    case 'mapValues': {
      const fn = node.fn;
      return (value) => {
        const [key, inner] = value as [unknown, unknown];
        emit([key, fn(inner)]);
      };
    }
  }
}

/**
 * `transform`: the batch's values (one partition's share in a slot, the merged batch on the main
 * thread) go to the function at once, when the batch ends.
 */
export function transformStage(node: TransformNode, scope: BatchScope, emit: Receiver): Stage {
  const buffer: unknown[] = [];
  return {
    push: (value) => buffer.push(value),
    end: () => {
      // Values a transform emits have no event time of their own.
      scope.time = Number.NaN;
      for (const value of node.fn(buffer, scope.info)) emit(value);
    },
  };
}
