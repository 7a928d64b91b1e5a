// A listing said the same way on every screen: loading, error (with a retry), empty, or the rows in a table.
import type { ReactNode } from "react";
import { Empty, Failure, Loading } from "./states";

/** What a listing reads of a query (a plain or an infinite one). */
interface ListQuery {
  readonly isPending: boolean;
  readonly isError: boolean;
  readonly error: unknown;
  refetch(): unknown;
}

/** A table of rows, its caption for screen readers only; a column that is `false` or `null` is left out. */
export const Table = ({
  caption,
  columns,
  children,
}: {
  caption: ReactNode;
  columns: readonly (string | false | null)[];
  children: ReactNode;
}) => (
  <div className="table-wrap">
    <table>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) =>
            column ? (
              <th key={column} scope="col">
                {column}
              </th>
            ) : null,
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);

/** The query's state, or `empty` when it has no items, or a table with a row an item. */
export function Listing<T>(props: {
  query: ListQuery;
  what: string;
  items: readonly T[] | undefined;
  empty: ReactNode;
  caption: ReactNode;
  columns: readonly (string | false | null)[];
  row: (item: T) => ReactNode;
}) {
  const { query, items } = props;
  if (query.isPending) return <Loading what={props.what} />;
  if (query.isError) return <Failure error={query.error} retry={() => void query.refetch()} />;
  if (!items || items.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <Table caption={props.caption} columns={props.columns}>
      {items.map(props.row)}
    </Table>
  );
}
