/*
 * vmconform guest library: character classes, ASCII / C locale only
 * (lib/ctype.c).  Arguments are an unsigned char value or EOF (-1); every
 * value outside 0..127 is in no class.
 */
#ifndef VMC_CTYPE_H
#define VMC_CTYPE_H

int isdigit(int c);
int isxdigit(int c);
int isalpha(int c);
int isalnum(int c);
int isspace(int c);
int isupper(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int iscntrl(int c);
int isgraph(int c);
int toupper(int c);
int tolower(int c);

#endif
