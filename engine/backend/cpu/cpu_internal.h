/* Declarations shared by the CPU backend's files: each file fills part of the
 * function table. Only engine/backend/cpu includes this. */
#ifndef CZ_CPU_INTERNAL_H
#define CZ_CPU_INTERNAL_H

#include "../backend_impl.h"

void cpu_register_memory(cz_backend_ops *ops);
void cpu_register_gemm(cz_backend_ops *ops);
void cpu_register_vector(cz_backend_ops *ops);
void cpu_register_layers(cz_backend_ops *ops);
void cpu_register_xent(cz_backend_ops *ops);
void cpu_register_conv(cz_backend_ops *ops);
void cpu_register_norm(cz_backend_ops *ops);
void cpu_register_maxpool(cz_backend_ops *ops);

#endif
