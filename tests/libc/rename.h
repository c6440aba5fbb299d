/*
 * Host builds of lib/: every guest-library symbol gets a vmc_ prefix so the
 * lib code links beside glibc.  Used with -include for the lib sources and
 * by vmc_api.h for the test drivers.  unrename.h undoes it; keep the two
 * lists the same (check.sh compares them).
 */
#ifndef VMC_RENAME_H
#define VMC_RENAME_H
#define memcpy vmc_memcpy
#define memmove vmc_memmove
#define memset vmc_memset
#define memcmp vmc_memcmp
#define memchr vmc_memchr
#define strlen vmc_strlen
#define strnlen vmc_strnlen
#define strcmp vmc_strcmp
#define strncmp vmc_strncmp
#define strchr vmc_strchr
#define strrchr vmc_strrchr
#define strcpy vmc_strcpy
#define strncpy vmc_strncpy
#define strcat vmc_strcat
#define strstr vmc_strstr
#define isdigit vmc_isdigit
#define isxdigit vmc_isxdigit
#define isalpha vmc_isalpha
#define isalnum vmc_isalnum
#define isspace vmc_isspace
#define isupper vmc_isupper
#define islower vmc_islower
#define isprint vmc_isprint
#define ispunct vmc_ispunct
#define iscntrl vmc_iscntrl
#define isgraph vmc_isgraph
#define toupper vmc_toupper
#define tolower vmc_tolower
#define strtoul vmc_strtoul
#define strtol vmc_strtol
#define strtoull vmc_strtoull
#define strtoll vmc_strtoll
#define atoi vmc_atoi
#define atol vmc_atol
#define abort vmc_abort
#define exit vmc_exit
#define vsnprintf vmc_vsnprintf
#define snprintf vmc_snprintf
#define vprintf vmc_vprintf
#define printf vmc_printf
#define puts vmc_puts
#define putchar vmc_putchar
#define console_write vmc_console_write
#define report vmc_report
#define report_pass vmc_report_pass
#define report_fail vmc_report_fail
#define report_skip vmc_report_skip
#define report_info vmc_report_info
#define report_xfail vmc_report_xfail
#define report_prefix_push vmc_report_prefix_push
#define report_prefix_pop vmc_report_prefix_pop
#define report_abort vmc_report_abort
#define report_summary vmc_report_summary
#define alloc_init vmc_alloc_init
#define alloc_page vmc_alloc_page
#define alloc_pages vmc_alloc_pages
#define free_page vmc_free_page
#define free_pages vmc_free_pages
#define parse_cmdline vmc_parse_cmdline
#endif
