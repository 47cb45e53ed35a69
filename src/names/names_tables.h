/*
 * names_tables.h
 *		Declarations of the generated tables of the names area (han_tables.c,
 *		name_tables.c; see src/names/gen/regenerate.sh).
 */
#ifndef CRM_NAMES_TABLES_H
#define CRM_NAMES_TABLES_H

#define CRM_PINYIN_FIRST 0x3400
#define CRM_PINYIN_LAST 0x9FFF

/* One traditional -> simplified character mapping. */
typedef struct CrmCharPair
{
	uint32		from;
	uint32		to;
} CrmCharPair;

/* One name of the nickname list and its canonical groups. */
typedef struct CrmNickEntry
{
	const char *name;
	uint16		first;			/* index into crm_nick_groups */
	uint16		ngroups;
	int16		own;			/* its own group when it is a formal name, else -1 */
} CrmNickEntry;

/* A surname: one or two characters and its reading (NULL = ordinary). */
typedef struct CrmSurname
{
	uint32		c1;
	uint32		c2;				/* 0 for a one-character surname */
	const char *reading;
} CrmSurname;

extern const char *const crm_pinyin_syllables[];
extern const int crm_pinyin_nsyllables;
extern const uint16 crm_pinyin_index[];
extern const CrmCharPair crm_hant_hans[];
extern const int crm_hant_hans_count;
extern const CrmNickEntry crm_nick_entries[];
extern const int crm_nick_nentries;
extern const uint16 crm_nick_groups[];
extern const char *const crm_nick_canonical[];
extern const CrmSurname crm_surnames[];
extern const int crm_nsurnames;

#endif							/* CRM_NAMES_TABLES_H */
