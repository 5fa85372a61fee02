/*===- qtc_step.h - the C ABI of a compiled training step ----------------===*
 *
 * What `qtc compile` produces implements this header: one training step of
 * a layer as a function over flat tensors, plus a table describing every
 * argument and result, so a generic driver (qtc-step, or a user's own loop)
 * can load, bind, run and feed back without knowing the layer.
 *
 * A quantized value is several tensors (its storage, as qt.pack lists it):
 * an argument "w" of type !qt.affine is "w.codes", "w.scales", "w.zeros".
 * Scalars (the step number, the seed, the gradient norm) are rank-0 tensors.
 *
 *===----------------------------------------------------------------------===*/
#ifndef QTC_STEP_H
#define QTC_STEP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types; the same order as qtc::DType. */
typedef enum qtc_dtype {
  QTC_F32, QTC_F64, QTC_F16, QTC_BF16, QTC_I8, QTC_U8, QTC_I16, QTC_U16,
  QTC_I32, QTC_I64, QTC_BOOL
} qtc_dtype;

/* What an argument is, so a training loop knows where it comes from. */
typedef enum qtc_role {
  QTC_ROLE_INPUT,     /* data: activations, labels */
  QTC_ROLE_WEIGHT,    /* a frozen weight */
  QTC_ROLE_PARAM,     /* a trained parameter */
  QTC_ROLE_STATE,     /* optimizer state (AdamW moments): zero at the start */
  QTC_ROLE_GRAD,      /* the gradient of a result (dY of a layer) */
  QTC_ROLE_STEP,      /* the 1-based i64 step number */
  QTC_ROLE_SEED,      /* the i64 seed of stochastic rounding */
  QTC_ROLE_GRAD_NORM, /* the f32 global gradient norm: t-SignSGD's input, or
                         the result AdamW's clipping computed */
  QTC_ROLE_RESULT,    /* any result */
  QTC_ROLE_LR_SCALE   /* the f32 factor of AdamW's rate (a schedule) */
} qtc_role;

#define QTC_MAX_RANK 4

/* The values a tensor's elements may hold (a quantized type's storage rules:
 * ternary adapters, 4-bit codes, finite scales). qtc-step checks every
 * argument it reads and every result it writes against them. */
typedef enum qtc_values_kind {
  QTC_VALUES_ANY,    /* every bit pattern */
  QTC_VALUES_RANGE,  /* integers in [min, max] */
  QTC_VALUES_FINITE  /* floats, neither infinite nor NaN */
} qtc_values_kind;

typedef struct qtc_values {
  qtc_values_kind kind;
  int64_t min, max;
} qtc_values;

/* How a trainer starts a trained parameter that no checkpoint holds
 * (runtime/ParamInit.h draws each from the run's seed). */
typedef enum qtc_init {
  QTC_INIT_GIVEN,           /* read from the weights, never drawn */
  QTC_INIT_ZEROS,           /* LoRA's and LoTA's B */
  QTC_INIT_UNIFORM_FAN_IN,  /* PEFT's lora_A: U(-1/sqrt(shape[0]), +) */
  QTC_INIT_TERNARY_KAIMING  /* LoTA's A: N(0, 2/shape[0]) ternarized at
                               0.75 mean|A| (NUMERICS.md 4) */
} qtc_init;

typedef struct qtc_tensor_info {
  const char *name;  /* arguments: "x", "w.codes"; results: "result2.values" */
  qtc_dtype dtype;
  int32_t rank;
  int64_t shape[QTC_MAX_RANK];
  qtc_role role;
  /* Results: the index of the argument tensor this result replaces at the
   * next step (an updated parameter or optimizer state), or -1. */
  int32_t updates;
  qtc_values values;
  /* Arguments of role QTC_ROLE_PARAM: how a trainer starts them. */
  qtc_init init;
} qtc_tensor_info;

typedef struct qtc_program {
  const char *name;
  int32_t num_args;
  const qtc_tensor_info *args;
  int32_t num_results;
  const qtc_tensor_info *results;
  /* Bytes of scratch memory `step` needs, 64-byte aligned. */
  int64_t arena_bytes;
  /* One training step. `args` and `results` point at one buffer per tensor
   * of the tables above (results are written, never read); `arena` at
   * arena_bytes of 64-byte aligned scratch. Returns 0, or the failing
   * kernel's Halide error code after printing which kernel failed. */
  int (*step)(void *const *args, void *const *results, void *arena);
} qtc_program;

/* The compiled layer's program. */
const qtc_program *qtc_program_get(void);

#ifdef __cplusplus
}
#endif

#endif /* QTC_STEP_H */
