"""Queries built once per process and run again with other values.

The few queries of a page rendered afresh (an article read by its slug, its comments) are simple:
profiled, the ORM took as long to build and compile each one as the database took to run it. A
`PreparedQuery` has the ORM build a query's SQL once per database, then runs that SQL with each new
value: the same query, the same rows, without building it again."""

from django.db import connections

# Two values the query is built with to find where its value goes among the SQL's parameters: the
# parameters that differ between the two are the value's.
_PROBES = (-1, -2)


class PreparedQuery:
    """`build(value)` is the queryset for one value (an id, say); `objects(value)` its model instances,
    `rows(value)` its rows as tuples. The queryset's model is the one the instances are made of, so
    `build` should select from the model it returns (a values_list gives `rows` only)."""

    def __init__(self, build):
        self.build = build
        self._built = {}

    def _prepared(self, using):
        """(model, SQL, parameters, the positions of the value among them) for database `using`."""
        if using not in self._built:
            first, second = (self.build(probe) for probe in _PROBES)
            sql, params = first.query.get_compiler(using).as_sql()
            _, other_params = second.query.get_compiler(using).as_sql()
            slots = {index for index, (one, other) in enumerate(zip(params, other_params, strict=True)) if one != other}
            if not slots:
                raise ValueError("The query does not depend on its value.")
            self._built[using] = (first.model, sql, list(params), slots)
        return self._built[using]

    def _sql_for(self, value, using):
        model, sql, params, slots = self._prepared(using)
        return model, sql, [value if index in slots else param for index, param in enumerate(params)]

    def objects(self, value, using="default"):
        model, sql, params = self._sql_for(value, using)
        return list(model.objects.db_manager(using).raw(sql, params))

    def rows(self, value, using="default"):
        _, sql, params = self._sql_for(value, using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
