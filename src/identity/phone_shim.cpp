/*
 * phone_shim.cpp
 *		A plain C interface over Google's libphonenumber (Debian
 *		libphonenumber-dev), used by the phone standardiser.
 *
 * libphonenumber is C++; PostgreSQL's error handling is longjmp-based C.  This
 * file is the only place where C++ runs: every entry point catches every
 * exception and turns it into a return code, so that no exception ever
 * crosses into C, and no PostgreSQL function (which could longjmp over C++
 * frames) is called from here.  Results are copied into caller buffers.
 */
#include <cstring>
#include <string>

#include <phonenumbers/phonenumberutil.h>

extern "C" int CrmPhoneParse(const char *input, const char *region,
							 char *e164, int e164_len,
							 int *valid, int *possible, char *kind, int kind_len,
							 char *cc_region, int cc_region_len);

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/*
 * copy_out: copy s into a caller buffer of len bytes, always terminated.
 */
static void
copy_out(const std::string &s, char *buf, int len)
{
	size_t		n;

	if (buf == NULL || len <= 0)
		return;
	n = s.size() < (size_t) (len - 1) ? s.size() : (size_t) (len - 1);
	memcpy(buf, s.data(), n);
	buf[n] = '\0';
}

/*
 * kind_name: a stable lower-case name for a libphonenumber number type.
 */
static const char *
kind_name(PhoneNumberUtil::PhoneNumberType t)
{
	switch (t)
	{
		case PhoneNumberUtil::FIXED_LINE:
			return "fixed_line";
		case PhoneNumberUtil::MOBILE:
			return "mobile";
		case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
			return "fixed_line_or_mobile";
		case PhoneNumberUtil::TOLL_FREE:
			return "toll_free";
		case PhoneNumberUtil::PREMIUM_RATE:
			return "premium_rate";
		case PhoneNumberUtil::SHARED_COST:
			return "shared_cost";
		case PhoneNumberUtil::VOIP:
			return "voip";
		case PhoneNumberUtil::PERSONAL_NUMBER:
			return "personal_number";
		case PhoneNumberUtil::PAGER:
			return "pager";
		case PhoneNumberUtil::UAN:
			return "uan";
		case PhoneNumberUtil::VOICEMAIL:
			return "voicemail";
		default:
			return "unknown";
	}
}

/*
 * CrmPhoneParse: parse input as a phone number dialled from region (an ISO
 * 3166 alpha-2 code, or "ZZ"/"" for unknown: then only numbers written in
 * international form parse).  On success returns CRM_PHONE_OK (0) and fills
 * e164 (E.164 form), *valid (the number is assigned in its region's plan),
 * *possible (its length fits), kind (mobile, fixed_line ...) and cc_region
 * (the region the number belongs to).  Returns 1 when the text is not a
 * phone number at all, 2 on an internal error (an exception was caught).
 */
extern "C" int
CrmPhoneParse(const char *input, const char *region,
			  char *e164, int e164_len,
			  int *valid, int *possible, char *kind, int kind_len,
			  char *cc_region, int cc_region_len)
{
	try
	{
		PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
		PhoneNumber number;
		std::string out;
		std::string reg;
		PhoneNumberUtil::ErrorType err;

		*valid = 0;
		*possible = 0;
		copy_out("", e164, e164_len);
		copy_out("", kind, kind_len);
		copy_out("", cc_region, cc_region_len);

		err = util->Parse(std::string(input), std::string(region && *region ? region : "ZZ"),
						  &number);
		if (err != PhoneNumberUtil::NO_PARSING_ERROR)
			return 1;
		util->Format(number, PhoneNumberUtil::E164, &out);
		copy_out(out, e164, e164_len);
		*valid = util->IsValidNumber(number) ? 1 : 0;
		*possible = util->IsPossibleNumber(number) ? 1 : 0;
		copy_out(kind_name(util->GetNumberType(number)), kind, kind_len);
		util->GetRegionCodeForNumber(number, &reg);
		if (reg.empty() || reg == "ZZ")
			util->GetRegionCodeForCountryCode(number.country_code(), &reg);
		copy_out(reg, cc_region, cc_region_len);
		return 0;
	}
	catch (...)
	{
		return 2;
	}
}
