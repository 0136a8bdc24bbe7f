using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Identities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "identity_accounts",
                columns: table => new
                {
                    AccountId = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_identity_accounts", x => x.AccountId);
                });

            migrationBuilder.CreateTable(
                name: "identity_principals",
                columns: table => new
                {
                    Arn = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    AccountId = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_identity_principals", x => x.Arn);
                });

            migrationBuilder.CreateTable(
                name: "identity_access_keys",
                columns: table => new
                {
                    AccessKeyId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    PrincipalArn = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    WrappedSecret = table.Column<byte[]>(type: "bytea", maxLength: 256, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_identity_access_keys", x => x.AccessKeyId);
                    table.ForeignKey(
                        name: "FK_identity_access_keys_identity_principals_PrincipalArn",
                        column: x => x.PrincipalArn,
                        principalTable: "identity_principals",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "identity_policies",
                columns: table => new
                {
                    PrincipalArn = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    PolicyName = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Document = table.Column<string>(type: "character varying(32768)", maxLength: 32768, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_identity_policies", x => new { x.PrincipalArn, x.PolicyName });
                    table.ForeignKey(
                        name: "FK_identity_policies_identity_principals_PrincipalArn",
                        column: x => x.PrincipalArn,
                        principalTable: "identity_principals",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "identity_principal_tags",
                columns: table => new
                {
                    PrincipalArn = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    TagKey = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    TagValue = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_identity_principal_tags", x => new { x.PrincipalArn, x.TagKey });
                    table.ForeignKey(
                        name: "FK_identity_principal_tags_identity_principals_PrincipalArn",
                        column: x => x.PrincipalArn,
                        principalTable: "identity_principals",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_identity_access_keys_PrincipalArn",
                table: "identity_access_keys",
                column: "PrincipalArn");

            migrationBuilder.CreateIndex(
                name: "IX_identity_principals_AccountId",
                table: "identity_principals",
                column: "AccountId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "identity_access_keys");

            migrationBuilder.DropTable(
                name: "identity_accounts");

            migrationBuilder.DropTable(
                name: "identity_policies");

            migrationBuilder.DropTable(
                name: "identity_principal_tags");

            migrationBuilder.DropTable(
                name: "identity_principals");
        }
    }
}
