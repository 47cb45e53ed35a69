-- The peer: what an application team writes by hand to feed a CRM, a
-- PL/pgSQL change-log trigger copying every changed row as jsonb.
CREATE TABLE shop.change_log (
	id bigserial PRIMARY KEY,
	tbl text NOT NULL,
	op text NOT NULL,
	row_data jsonb,
	logged_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION shop.log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO shop.change_log (tbl, op, row_data)
	VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END));
	RETURN NULL;
END
$$;
CREATE TRIGGER log_change AFTER INSERT OR UPDATE OR DELETE ON shop.customers FOR EACH ROW EXECUTE FUNCTION shop.log_change();
CREATE TRIGGER log_change AFTER INSERT OR UPDATE OR DELETE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.log_change();
CREATE TRIGGER log_change AFTER INSERT OR UPDATE OR DELETE ON shop.events FOR EACH ROW EXECUTE FUNCTION shop.log_change();
