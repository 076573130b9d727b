// Faster CPU kernels for the gradients of Conv2D and MaxPool2D, registered over TF.js's own (tf.registerKernel).
//
// TF.js 4.22's CPU Conv2DBackpropFilter and MaxPoolGrad read every element through TensorBuffer.get(...) and
// dominate a training step; training the digits CNN with them takes far longer than a few minutes. These
// versions compute the same sums (channels-last, dilation 1) over flat arrays, accumulating in float64 like
// TF.js does, and MaxPoolGrad routes each gradient to the first maximum of its window as TF.js does. Only
// training uses them: the forward pass (Conv2D, MaxPool) and therefore every prediction written to the test
// file are TF.js's own kernels. train.mjs checks them against TF.js's on small cases before training.

export function registerFastConvGradients(tf) {
  const { backend_util } = tf;

  function conv2DBackpropFilter({ inputs, backend, attrs }) {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false,
      backend_util.convertConv2DDataFormat(dataFormat));
    if (info.dataFormat !== 'channelsLast') throw new Error('fast Conv2DBackpropFilter: channelsLast only');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth,
      strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const xv = backend.data.get(x.dataId).values;
    const dyv = backend.data.get(dy.dataId).values;
    const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < outHeight; yR++) {
        for (let yC = 0; yC < outWidth; yC++) {
          const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
          for (let wR = 0; wR < filterHeight; wR++) {
            const xR = yR * strideHeight + wR - top;
            if (xR < 0 || xR >= inHeight) continue;
            for (let wC = 0; wC < filterWidth; wC++) {
              const xC = yC * strideWidth + wC - left;
              if (xC < 0 || xC >= inWidth) continue;
              const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
              const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
              for (let d1 = 0; d1 < inChannels; d1++) {
                const xd = xv[xOff + d1];
                if (xd === 0) continue;
                const o = wOff + d1 * outChannels;
                for (let d2 = 0; d2 < outChannels; d2++) acc[o + d2] += xd * dyv[dyOff + d2];
              }
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(filterShape, 'float32', Float32Array.from(acc));
  }

  function conv2DBackpropInput({ inputs, backend, attrs }) {
    const { dy, filter } = inputs;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false,
      backend_util.convertConv2DDataFormat(dataFormat));
    if (info.dataFormat !== 'channelsLast') throw new Error('fast Conv2DBackpropInput: channelsLast only');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth,
      strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dyv = backend.data.get(dy.dataId).values;
    const wv = backend.data.get(filter.dataId).values;
    const dx = new Float64Array(batchSize * inHeight * inWidth * inChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < outHeight; yR++) {
        for (let yC = 0; yC < outWidth; yC++) {
          const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
          for (let wR = 0; wR < filterHeight; wR++) {
            const xR = yR * strideHeight + wR - top;
            if (xR < 0 || xR >= inHeight) continue;
            for (let wC = 0; wC < filterWidth; wC++) {
              const xC = yC * strideWidth + wC - left;
              if (xC < 0 || xC >= inWidth) continue;
              const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
              const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
              for (let d1 = 0; d1 < inChannels; d1++) {
                const o = wOff + d1 * outChannels;
                let s = 0;
                for (let d2 = 0; d2 < outChannels; d2++) s += dyv[dyOff + d2] * wv[o + d2];
                dx[xOff + d1] += s;
              }
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(inputShape, 'float32', Float32Array.from(dx));
  }

  function maxPoolGrad({ inputs, backend, attrs }) {
    const { dy, input } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs;
    const info = backend_util.computePool2DInfo(input.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth,
      strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const xv = backend.data.get(input.dataId).values;
    const dyv = backend.data.get(dy.dataId).values;
    const dx = new Float32Array(xv.length);
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < outHeight; yR++) {
        const r0 = Math.max(0, yR * strideHeight - top);
        const r1 = Math.min(inHeight, yR * strideHeight - top + filterHeight);
        for (let yC = 0; yC < outWidth; yC++) {
          const c0 = Math.max(0, yC * strideWidth - left);
          const c1 = Math.min(inWidth, yC * strideWidth - left + filterWidth);
          const dyOff = ((b * outHeight + yR) * outWidth + yC) * inChannels;
          for (let d = 0; d < inChannels; d++) {
            let best = -1;
            let max = Number.NEGATIVE_INFINITY;
            for (let xR = r0; xR < r1; xR++) {
              for (let xC = c0; xC < c1; xC++) {
                const at = ((b * inHeight + xR) * inWidth + xC) * inChannels + d;
                if (xv[at] > max) {
                  max = xv[at];
                  best = at;
                }
              }
            }
            if (best >= 0) dx[best] += dyv[dyOff + d];
          }
        }
      }
    }
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  }

  tf.unregisterKernel('MaxPoolGrad', 'cpu');
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'cpu', kernelFunc: maxPoolGrad });
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: conv2DBackpropFilter });
  tf.unregisterKernel('Conv2DBackpropInput', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'cpu', kernelFunc: conv2DBackpropInput });
}
