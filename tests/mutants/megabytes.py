"""Variants of the numeric answers of Q7 (784-128-10 net, 4 bytes, 1 MB = 1e6 bytes).

P = 784*128 + 128 + 128*10 + 10 = 101,770 values.
"""
P = 101_770

VARIANTS = {
    "correct_exact": (3 * P * 4 / 1e6, (3 * P + 50 * P) * 4 / 1e6),         # 1.22124, 21.57524
    "correct_rounded": (1.22, 21.6),                                         # within 1 %
    # Forgetting the biases (1.21958, 21.54598) is within the 1 % tolerance: not a variant.
    "wrong_adam_state": (4 * P * 4 / 1e6, 54 * P * 4 / 1e6),               # 1.62832, 21.98232
    "wrong_forgot_momentum": (2 * P * 4 / 1e6, 52 * P * 4 / 1e6),           # 0.81416, 21.16816
    "wrong_mebibytes": (3 * P * 4 / 2**20, 53 * P * 4 / 2**20),             # 1.16467, 20.57577
    "wrong_forgot_gradients": (2 * P * 4 / 1e6, 52 * P * 4 / 1e6 + P * 4 / 1e6),
    "wrong_per_example_for_batch_1": (3 * P * 4 / 1e6, 4 * P * 4 / 1e6),    # 1.22124, 1.62832
    "wrong_bits": (3 * P * 32 / 1e6, 53 * P * 32 / 1e6),                    # 9.76992, 172.60192
}
