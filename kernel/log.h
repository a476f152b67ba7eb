/* Leveled log to the kernel's stderr (Jupyter shows it in the server's
 * console). Never logs message bodies, keys or passphrases: callers pass
 * message types, ids and error texts only. CONDENSA_LOG=debug|info|warn|error
 * sets the threshold (default warn). Thread-safe (one fprintf per line). */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level_from_env(void);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
