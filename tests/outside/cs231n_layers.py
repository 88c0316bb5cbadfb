"""CS231n-style layers (cs231n/layers.py, rnn_layers.py): forward returns (out, cache), backward
takes (dout, cache) and ``bugs``, the names of the planted mistakes to switch on."""

import numpy as np

NO_BUGS = frozenset()


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache, bugs=NO_BUGS):
    x, w, b = cache
    rows = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = dout.T @ rows if "affine_dw_transposed" in bugs else rows.T @ dout  # square w only
    db = dout.mean(axis=0) if "affine_db_mean" in bugs else dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache, bugs=NO_BUGS):
    return dout.copy() if "relu_no_mask" in bugs else dout * (cache > 0)


def batchnorm_forward(x, gamma, beta, bn_param):
    """Training mode; updates bn_param's running averages, as CS231n's does."""
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    out = gamma * xhat + beta
    dim = x.shape[1]
    bn_param["running_mean"] = (
        momentum * bn_param.get("running_mean", np.zeros(dim)) + (1 - momentum) * mu
    )
    bn_param["running_var"] = (
        momentum * bn_param.get("running_var", np.zeros(dim)) + (1 - momentum) * var
    )
    return out, (xhat, gamma, xc, std)


def batchnorm_backward(dout, cache, bugs=NO_BUGS):
    xhat, gamma, xc, std = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = dout.sum(axis=0) if "bn_dgamma_sum" in bugs else (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dvar = -0.5 * (dxhat * xc).sum(axis=0) / std**3
    dmu = -dxhat.sum(axis=0) / std
    dx = dxhat / std + dmu / n
    if "bn_no_variance_term" not in bugs:
        dx = dx + dvar * 2 * xc / n
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Inverted dropout; p is the keep probability; the seed fixes the mask."""
    p = dropout_param["p"]
    mask = (np.random.default_rng(dropout_param["seed"]).random(x.shape) < p) / p
    return x * mask, (dropout_param, mask)


def dropout_backward(dout, cache, bugs=NO_BUGS):
    dropout_param, mask = cache
    if "dropout_no_rescale" in bugs:
        return dout * (mask > 0)
    return dout * mask


def softmax_loss(x, y, bugs=NO_BUGS):
    """Returns (loss, dx), as CS231n's loss layers do."""
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -log_probs[np.arange(n), y].sum() / n
    dx = np.exp(log_probs)
    if "softmax_no_onehot" not in bugs:
        dx[np.arange(n), y] -= 1
    if "softmax_no_mean" not in bugs:
        dx /= n
    return loss, dx


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    n, _, height, width = x.shape
    filters, _, hh, ww = w.shape
    out_h, out_w = 1 + (height + 2 * pad - hh) // stride, 1 + (width + 2 * pad - ww) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty((n, filters, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x_pad[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache, bugs=NO_BUGS):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, hh, ww = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    flip = (slice(None), slice(None), slice(None, None, -1), slice(None, None, -1))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + hh)
            cols = slice(j * stride, j * stride + ww)
            window = x_pad[:, :, rows, cols]
            if "conv_dw_flipped" in bugs:  # convolution mistaken for correlation
                window = window[flip]
            dw += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
            weights = w[flip] if "conv_dx_flipped" in bugs else w
            dx_pad[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], weights, axes=([1], [0]))
    db = dout[0].sum(axis=(1, 2)) if "conv_db_first_example" in bugs else dout.sum(axis=(0, 2, 3))
    return dx_pad[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]], dw, db


def max_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    n, c, height, width = x.shape
    out_h, out_w = 1 + (height - ph) // stride, 1 + (width - pw) // stride
    out = np.empty((n, c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache, bugs=NO_BUGS):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dout.shape):
        top, left = i * stride, j * stride
        window = x[n, c, top : top + ph, left : left + pw]
        if "pool_spread" in bugs:  # average pooling's backward
            dx[n, c, top : top + ph, left : left + pw] += dout[n, c, i, j] / (ph * pw)
            continue
        k = int(np.argmax(window))
        r, s = (0, 0) if "pool_top_left" in bugs else divmod(k, pw)
        if "pool_argmax_transposed" in bugs:
            s, r = divmod(k, ph)
        dx[n, c, top + r, left + s] += dout[n, c, i, j]
    return dx


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache, bugs=NO_BUGS):
    x, prev_h, Wx, Wh, next_h = cache
    slope = 1 - next_h if "rnn_tanh_derivative" in bugs else 1 - next_h**2
    da = dnext_h * slope
    dWh = da.T @ prev_h if "rnn_dWh_transposed" in bugs else prev_h.T @ da
    return da @ Wx.T, da @ Wh.T, x.T @ da, dWh, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    n, steps, _ = x.shape
    h, caches, prev = np.empty((n, steps, h0.shape[1])), [], h0
    for t in range(steps):
        prev, cache = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        caches.append(cache)
    return h, caches


def rnn_backward(dh, caches, bugs=NO_BUGS):
    n, steps, _ = dh.shape
    x0, _, Wx, Wh, _ = caches[0]
    dx = np.empty((n, steps, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dprev = np.zeros((n, Wh.shape[0]))
    for t in reversed(range(steps)):
        upstream = dh[:, t] if "rnn_no_carry" in bugs else dh[:, t] + dprev
        dx[:, t], dprev, dWx_t, dWh_t, db_t = rnn_step_backward(upstream, caches[t], bugs)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache, bugs=NO_BUGS):
    x, W = cache
    dW = np.zeros_like(W)
    if "embedding_no_accumulate" in bugs:
        dW[x] += dout  # fancy-index += keeps one write per repeated word
    else:
        np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    n, steps, dim = x.shape
    out = (x.reshape(n * steps, dim) @ w + b).reshape(n, steps, -1)
    return out, (x, w, b)


def temporal_affine_backward(dout, cache, bugs=NO_BUGS):
    x, w, b = cache
    n, steps, dim = x.shape
    flat = dout.reshape(n * steps, -1)
    dx = (flat @ w.T).reshape(x.shape)
    dw = x.reshape(n * steps, dim).T @ flat
    db = dout[:, -1].sum(axis=0) if "temporal_db_last_step" in bugs else flat.sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, bugs=NO_BUGS):
    """Returns (loss, dx); the loss sums over time steps where mask is true, averages over N."""
    n, steps, vocab = x.shape
    flat, labels, keep = x.reshape(n * steps, vocab), y.reshape(-1), mask.reshape(-1)
    shifted = flat - flat.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -(keep * log_probs[np.arange(n * steps), labels]).sum() / n
    dx = np.exp(log_probs)
    dx[np.arange(n * steps), labels] -= 1
    dx /= n * steps if "temporal_softmax_divide_by_NT" in bugs else n
    if "temporal_softmax_mask_ignored" not in bugs:
        dx *= keep[:, None]
    return loss, dx.reshape(x.shape)
