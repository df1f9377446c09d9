//! The [`Backup`](super::backup::Backup) methods, written once for both
//! databases: `shared_backup!(Db)` compiles them for one, like
//! `shared_store!` (whose change log they write to) does the rest.
//!
//! Each column is read and bound as its [`Kind`](super::backup::Kind)
//! says, never as text: ids as [`DbId`](super::value::DbId), times as
//! times, so that each database stores a restored value exactly as it
//! stores one it wrote itself.

macro_rules! shared_backup {
    ($db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use futures_util::TryStreamExt;
            use sqlx::query_builder::Separated;
            use sqlx::{Database, QueryBuilder, Row};

            use $crate::store::backup::{
                Backup, Column, DumpSink, Kind, Record, RecordSource, TABLES, Table, Value,
                rows_per_statement,
            };
            use $crate::store::dialect::{Backend, Dialect};
            use $crate::store::value::{DbId, now};
            use $crate::store::{Result, SqlStore, StoreError, sql};

            type Db = $db;
            type DbRow = <Db as Database>::Row;
            type Conn = <Db as Database>::Connection;
            const BACKEND: Backend = <Db as Dialect>::BACKEND;

            /// Column `i` of `row`, read as `kind`.
            fn read(row: &DbRow, i: usize, kind: Kind) -> Result<Value> {
                Ok(match kind {
                    Kind::Text => Value::Text(row.try_get(i)?),
                    Kind::Id => Value::Id(row.try_get::<Option<DbId>, _>(i)?.map(|id| id.0)),
                    Kind::Real => Value::Real(row.try_get(i)?),
                    Kind::Int => Value::Int(row.try_get(i)?),
                    Kind::Small => Value::Small(row.try_get(i)?),
                    Kind::Time => Value::Time(row.try_get(i)?),
                })
            }

            /// Binds `value` as its kind (a null too: Postgres must know
            /// its type).
            fn bind(b: &mut Separated<'_, '_, Db, &'static str>, value: &Value) {
                match value {
                    Value::Text(v) => b.push_bind(v.clone()),
                    Value::Id(v) => b.push_bind(v.map(DbId)),
                    Value::Real(v) => b.push_bind(*v),
                    Value::Int(v) => b.push_bind(*v),
                    Value::Small(v) => b.push_bind(*v),
                    Value::Time(v) => b.push_bind(*v),
                };
            }

            impl SqlStore<Db> {
                /// Inserts `rows` of `table`'s `columns` in one statement.
                async fn restore_rows(
                    conn: &mut Conn,
                    table: &Table,
                    columns: &[&Column],
                    rows: &[Vec<Value>],
                ) -> Result<()> {
                    if rows.is_empty() {
                        return Ok(());
                    }
                    let mut qb = QueryBuilder::<Db>::new(table.insert(columns));
                    qb.push_values(rows, |mut b, row| {
                        for value in row {
                            bind(&mut b, value);
                        }
                    });
                    if let Some(merge) = table.on_conflict(columns) {
                        qb.push(merge);
                    }
                    qb.build().execute(conn).await?;
                    Ok(())
                }
            }

            #[async_trait]
            impl Backup for SqlStore<Db> {
                async fn schema_version(&self) -> Result<i64> {
                    let version: Option<i64> = sqlx::query_scalar(sql::SCHEMA_VERSION)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(version.unwrap_or(0))
                }

                async fn dump(&self, sink: &mut (dyn DumpSink + Send)) -> Result<()> {
                    let mut tx = self.pool.begin_with(BACKEND.begin_snapshot()).await?;
                    if let Some(unbounded) = BACKEND.unbounded_statements() {
                        sqlx::query(unbounded).execute(&mut *tx).await?;
                    }
                    // the snapshot starts with this read (SQLite) or the
                    // transaction (Postgres): every table is read from it
                    let schema: Option<i64> = sqlx::query_scalar(sql::SCHEMA_VERSION)
                        .fetch_one(&mut *tx)
                        .await?;
                    let interrupted = |_| StoreError::Interrupted;
                    sink.begin(schema.unwrap_or(0)).map_err(interrupted)?;
                    for table in TABLES {
                        let rows: i64 = sqlx::query_scalar(&table.count())
                            .fetch_one(&mut *tx)
                            .await?;
                        sink.table(table, u64::try_from(rows).unwrap_or(0))
                            .map_err(interrupted)?;
                        let select = table.select();
                        let mut rows = sqlx::query(&select).fetch(&mut *tx);
                        while let Some(row) = rows.try_next().await? {
                            let values = table
                                .columns
                                .iter()
                                .enumerate()
                                .map(|(i, c)| read(&row, i, c.kind))
                                .collect::<Result<Vec<_>>>()?;
                            sink.row(&values).map_err(interrupted)?;
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn restore(&self, source: &mut (dyn RecordSource + Send)) -> Result<()> {
                    let mut tx = self.pool.begin_with(BACKEND.begin_write()).await?;
                    let (organizations, users, audit): (i64, i64, i64) =
                        sqlx::query_as(sql::HOLDINGS).fetch_one(&mut *tx).await?;
                    if organizations + users + audit > 0 {
                        return Err(StoreError::NotEmpty {
                            organizations,
                            users,
                            audit,
                        });
                    }
                    let mut current: Option<(&Table, Vec<&Column>)> = None;
                    let mut batch: Vec<Vec<Value>> = Vec::new();
                    loop {
                        match source.next().map_err(|_| StoreError::Interrupted)? {
                            Some(Record::Row(row)) => {
                                let Some((table, columns)) = &current else {
                                    return Err(StoreError::Corrupt {
                                        id: "backup".to_owned(),
                                        reason: "a row before its table".to_owned(),
                                    });
                                };
                                batch.push(row);
                                if batch.len() >= rows_per_statement(columns.len()) {
                                    Self::restore_rows(&mut tx, table, columns, &batch).await?;
                                    batch.clear();
                                }
                            }
                            next => {
                                // the end of a table: its last rows
                                if let Some((table, columns)) = &current {
                                    Self::restore_rows(&mut tx, table, columns, &batch).await?;
                                }
                                batch.clear();
                                match next {
                                    Some(Record::Table { table, columns }) => {
                                        current = Some((table, columns));
                                    }
                                    _ => break,
                                }
                            }
                        }
                    }
                    if let Some(after) = BACKEND.after_restore() {
                        sqlx::query(after).execute(&mut *tx).await?;
                    }
                    // many entries at once: followers read them all again
                    Self::changed(&mut tx, now(), None).await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use shared_backup;
