// Stateless operators: element-wise (map, flatMap, filter, keyBy, mapValues, flatMapValues) and batch-wise (transform, transformWith).
import type { ElementNode, TransformNode, TransformWithNode } from '../../dsl/index.ts';
import type { BatchScope, PairStage, Receiver, Stage } from './types.ts';

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
    case 'flatMapValues': {
      const fn = node.fn;
      return (value) => {
        const [key, inner] = value as [unknown, unknown];
        for (const item of fn(inner)) emit([key, item]);
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

/**
 * `transformWith`: both streams' values of the batch (merged on the main thread, where it runs)
 * go to the function at once; `pushFrom(parent)` tells the two apart.
 */
export function transformWithStage(node: TransformWithNode, scope: BatchScope, emit: Receiver): PairStage {
  const [leftParent] = node.parents;
  const left: unknown[] = [];
  const right: unknown[] = [];
  const fromLeft: Receiver = (value) => left.push(value);
  const fromRight: Receiver = (value) => right.push(value);
  return {
    push: fromLeft,
    pushFrom: (parent) => (parent === leftParent ? fromLeft : fromRight),
    end: () => {
      scope.time = Number.NaN;
      for (const value of node.fn(left, right, scope.info)) emit(value);
    },
  };
}
